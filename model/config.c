#include "model/config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/strbuf.h"

#define CONFIG_MAX_BYTES (1u << 20)

const char *const config_preset_names = "tiny, small, 2b, 9b, gemma-tiny, gemma-small, gemma-2b";

static int get_int(const cJSON *root, const char *key, int required, int def, long lo, long hi, int *out,
                   const char *path, errbuf *e) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!j || cJSON_IsNull(j)) {
        if (required) return err_set(e, "%s: missing field \"%s\"", path, key);
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(j) || floor(j->valuedouble) != j->valuedouble)
        return err_set(e, "%s: \"%s\" must be an integer", path, key);
    if (j->valuedouble < lo || j->valuedouble > hi)
        return err_set(e, "%s: \"%s\" = %.0f is out of range [%ld, %ld]", path, key, j->valuedouble, lo, hi);
    *out = (int)j->valuedouble;
    return 0;
}

static int get_float(const cJSON *root, const char *key, float def, double lo, double hi, float *out,
                     const char *path, errbuf *e) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!j || cJSON_IsNull(j)) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(j)) return err_set(e, "%s: \"%s\" must be a number", path, key);
    if (!(j->valuedouble >= lo && j->valuedouble <= hi))
        return err_set(e, "%s: \"%s\" = %g is out of range [%g, %g]", path, key, j->valuedouble, lo, hi);
    *out = (float)j->valuedouble;
    return 0;
}

static int check_activation(const cJSON *root, const char *key, const char *path, errbuf *e) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!j || cJSON_IsNull(j)) return 0;
    if (!cJSON_IsString(j)) return err_set(e, "%s: \"%s\" must be a string", path, key);
    if (strcmp(j->valuestring, "gelu_pytorch_tanh") != 0 && strcmp(j->valuestring, "gelu_tanh") != 0 &&
        strcmp(j->valuestring, "gelu") != 0)
        return err_set(e, "%s: \"%s\" = \"%s\" is not supported (expected gelu_pytorch_tanh)", path, key, j->valuestring);
    return 0;
}

#define INT_FIELD(key, req, def, lo, hi, dst) \
    if (get_int(root, key, req, def, lo, hi, dst, path, e) != 0) goto fail

static int check_relations(model_config *c, const char *path, errbuf *e) {
    if (c->n_kv_heads < 1 || c->n_heads % c->n_kv_heads != 0)
        return err_set(e, "%s: num_attention_heads %d is not a multiple of num_key_value_heads %d", path, c->n_heads,
                       c->n_kv_heads);
    int rot = (int)lroundf(c->rotary_fraction * (float)c->head_dim);
    if (rot % 2 != 0 || rot < 0 || rot > c->head_dim)
        return err_set(e, "%s: rotary dimensions %d (head_dim %d x partial_rotary_factor %g) must be even", path, rot,
                       c->head_dim, c->rotary_fraction);
    if (c->arch == ARCH_GRIFFIN) {
        if (c->lru_width % c->n_heads != 0)
            return err_set(e, "%s: lru_width %d is not a multiple of num_attention_heads %d", path, c->lru_width, c->n_heads);
        if (c->window < 1) return err_set(e, "%s: attention_window_size must be positive", path);
    }
    return 0;
}

int config_parse(model_config *c, const char *json, const char *path, errbuf *e) {
    memset(c, 0, sizeof *c);
    cJSON *root = cJSON_Parse(json);
    if (!root) return err_set(e, "%s: not valid JSON", path);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return err_set(e, "%s: not a JSON object", path);
    }
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    if (!cJSON_IsString(mt)) {
        err_set(e, "%s: missing string field \"model_type\" (expected \"recurrent_gemma\" or \"gemma\")", path);
        goto fail;
    }
    if (strcmp(mt->valuestring, "recurrent_gemma") == 0) c->arch = ARCH_GRIFFIN;
    else if (strcmp(mt->valuestring, "gemma") == 0) c->arch = ARCH_GEMMA;
    else {
        err_set(e, "%s: model_type \"%s\" is not supported (expected \"recurrent_gemma\" or \"gemma\")", path,
                mt->valuestring);
        goto fail;
    }
    const int BIG = 1 << 24;
    INT_FIELD("vocab_size", 1, 0, 1, BIG, &c->vocab_size);
    INT_FIELD("hidden_size", 1, 0, 1, 1 << 16, &c->width);
    INT_FIELD("num_hidden_layers", 1, 0, 1, CONFIG_MAX_LAYERS, &c->n_layers);
    INT_FIELD("num_attention_heads", 1, 0, 1, 1024, &c->n_heads);
    INT_FIELD("num_key_value_heads", 0, 1, 1, 1024, &c->n_kv_heads);
    INT_FIELD("head_dim", 0, c->width / c->n_heads, 1, 4096, &c->head_dim);
    int inter;
    INT_FIELD("intermediate_size", 1, 0, 1, 1 << 20, &inter);
    INT_FIELD("bos_token_id", 0, 2, 0, BIG, &c->bos_id);
    INT_FIELD("eos_token_id", 0, 1, 0, BIG, &c->eos_id);
    INT_FIELD("pad_token_id", 0, 0, 0, BIG, &c->pad_id);
    if (get_float(root, "rms_norm_eps", 1e-6f, 0, 1, &c->norm_eps, path, e) != 0) goto fail;
    if (get_float(root, "rope_theta", 10000.0f, 1, 1e12, &c->rope_theta, path, e) != 0) goto fail;
    if (check_activation(root, "hidden_activation", path, e) != 0) goto fail;
    if (check_activation(root, "hidden_act", path, e) != 0) goto fail;
    c->embed_scale = 1;
    if (c->arch == ARCH_GRIFFIN) {
        INT_FIELD("lru_width", 0, c->width, 1, 1 << 16, &c->lru_width);
        INT_FIELD("attention_window_size", 1, 0, 1, 1 << 24, &c->window);
        INT_FIELD("conv1d_width", 0, 4, 1, 64, &c->conv_width);
        if (get_float(root, "logits_soft_cap", 30.0f, 0, 1e6, &c->soft_cap, path, e) != 0) goto fail;
        if (get_float(root, "partial_rotary_factor", 0.5f, 0, 1, &c->rotary_fraction, path, e) != 0) goto fail;
        /* HF recurrent_gemma's MLP uses intermediate_size // 2 per branch. */
        if (inter % 2 != 0) {
            err_set(e, "%s: intermediate_size %d must be even (each MLP branch has half)", path, inter);
            goto fail;
        }
        c->mlp_width = inter / 2;
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "embeddings_scale_by_sqrt_dim");
        if (sc && !cJSON_IsBool(sc)) {
            err_set(e, "%s: \"embeddings_scale_by_sqrt_dim\" must be true or false", path);
            goto fail;
        }
        c->embed_scale = sc ? cJSON_IsTrue(sc) : 1;
        c->embed_scale_bf16 = 1;
        const cJSON *bt = cJSON_GetObjectItemCaseSensitive(root, "block_types");
        if (!cJSON_IsArray(bt) || cJSON_GetArraySize(bt) < 1) {
            err_set(e, "%s: \"block_types\" must be a non-empty array of \"recurrent\"/\"attention\"", path);
            goto fail;
        }
        int n_bt = cJSON_GetArraySize(bt);
        for (int i = 0; i < c->n_layers; i++) {
            /* HF repeats the pattern over the layers. */
            const cJSON *s = cJSON_GetArrayItem(bt, i % n_bt);
            if (!cJSON_IsString(s)) {
                err_set(e, "%s: block_types[%d] is not a string", path, i % n_bt);
                goto fail;
            }
            if (strcmp(s->valuestring, "recurrent") == 0) c->blocks[i] = BLOCK_RECURRENT;
            else if (strcmp(s->valuestring, "attention") == 0) c->blocks[i] = BLOCK_ATTENTION;
            else {
                err_set(e, "%s: block_types[%d] = \"%s\" (expected \"recurrent\" or \"attention\")", path, i % n_bt,
                        s->valuestring);
                goto fail;
            }
        }
        const cJSON *ab = cJSON_GetObjectItemCaseSensitive(root, "attention_bias");
        if (cJSON_IsTrue(ab)) {
            err_set(e, "%s: attention_bias = true is not supported (RecurrentGemma has none)", path);
            goto fail;
        }
    } else {
        c->mlp_width = inter;
        c->window = 0;
        c->soft_cap = 0;
        c->rotary_fraction = 1.0f;
        INT_FIELD("max_position_embeddings", 0, 8192, 1, 1 << 26, &c->max_positions);
        for (int i = 0; i < c->n_layers; i++) c->blocks[i] = BLOCK_ATTENTION;
        const cJSON *ab = cJSON_GetObjectItemCaseSensitive(root, "attention_bias");
        if (cJSON_IsTrue(ab)) {
            err_set(e, "%s: attention_bias = true is not supported (Gemma has none)", path);
            goto fail;
        }
    }
    if (check_relations(c, path, e) != 0) goto fail;
    cJSON_Delete(root);
    return 0;
fail:
    cJSON_Delete(root);
    return -1;
}

int config_load(model_config *c, const char *path, errbuf *e) {
    char *text = file_read_all(path, CONFIG_MAX_BYTES, NULL, e);
    if (!text) return -1;
    int rc = config_parse(c, text, path, e);
    free(text);
    return rc;
}

int config_write(const model_config *c, const char *path, errbuf *e) {
    strbuf b;
    strbuf_init(&b);
    if (c->arch == ARCH_GRIFFIN) {
        strbuf_printf(&b,
                      "{\n  \"architectures\": [\"RecurrentGemmaForCausalLM\"],\n  \"model_type\": \"recurrent_gemma\",\n"
                      "  \"vocab_size\": %d,\n  \"hidden_size\": %d,\n  \"intermediate_size\": %d,\n"
                      "  \"num_hidden_layers\": %d,\n  \"num_attention_heads\": %d,\n  \"num_key_value_heads\": %d,\n"
                      "  \"head_dim\": %d,\n  \"lru_width\": %d,\n  \"attention_window_size\": %d,\n"
                      "  \"conv1d_width\": %d,\n  \"logits_soft_cap\": %g,\n  \"rms_norm_eps\": %g,\n"
                      "  \"rope_theta\": %g,\n  \"partial_rotary_factor\": %g,\n"
                      "  \"embeddings_scale_by_sqrt_dim\": %s,\n  \"hidden_activation\": \"gelu_pytorch_tanh\",\n"
                      "  \"block_types\": [",
                      c->vocab_size, c->width, 2 * c->mlp_width, c->n_layers, c->n_heads, c->n_kv_heads, c->head_dim,
                      c->lru_width, c->window, c->conv_width, c->soft_cap, c->norm_eps, c->rope_theta,
                      c->rotary_fraction, c->embed_scale ? "true" : "false");
        /* The shortest repeating pattern, as HF configs store it. */
        int period = c->n_layers;
        for (int p = 1; p <= c->n_layers; p++) {
            int ok = 1;
            for (int i = p; i < c->n_layers && ok; i++) ok = c->blocks[i] == c->blocks[i % p];
            if (ok) {
                period = p;
                break;
            }
        }
        for (int i = 0; i < period; i++)
            strbuf_printf(&b, "%s\"%s\"", i ? ", " : "", c->blocks[i] == BLOCK_RECURRENT ? "recurrent" : "attention");
        strbuf_printf(&b, "],\n  \"attention_bias\": false,\n");
    } else {
        strbuf_printf(&b,
                      "{\n  \"architectures\": [\"GemmaForCausalLM\"],\n  \"model_type\": \"gemma\",\n"
                      "  \"vocab_size\": %d,\n  \"hidden_size\": %d,\n  \"intermediate_size\": %d,\n"
                      "  \"num_hidden_layers\": %d,\n  \"num_attention_heads\": %d,\n  \"num_key_value_heads\": %d,\n"
                      "  \"head_dim\": %d,\n  \"rms_norm_eps\": %g,\n  \"rope_theta\": %g,\n"
                      "  \"hidden_act\": \"gelu_pytorch_tanh\",\n  \"hidden_activation\": \"gelu_pytorch_tanh\",\n"
                      "  \"max_position_embeddings\": %d,\n  \"attention_bias\": false,\n",
                      c->vocab_size, c->width, c->mlp_width, c->n_layers, c->n_heads, c->n_kv_heads, c->head_dim,
                      c->norm_eps, c->rope_theta, c->max_positions ? c->max_positions : 8192);
    }
    strbuf_printf(&b, "  \"torch_dtype\": \"float32\",\n  \"bos_token_id\": %d,\n  \"eos_token_id\": %d,\n"
                      "  \"pad_token_id\": %d\n}\n",
                  c->bos_id, c->eos_id, c->pad_id);
    int rc = strbuf_failed(&b) ? err_set(e, "%s: out of memory", path)
                               : file_write_atomic(path, strbuf_str(&b), b.len, e);
    strbuf_deinit(&b);
    return rc;
}

int config_n_attention_layers(const model_config *c) {
    int n = 0;
    for (int i = 0; i < c->n_layers; i++) n += c->blocks[i] == BLOCK_ATTENTION;
    return n;
}

int config_n_recurrent_layers(const model_config *c) { return c->n_layers - config_n_attention_layers(c); }

long long config_n_params(const model_config *c) {
    long long D = c->width, L = c->lru_width, M = c->mlp_width, hd = c->head_dim;
    long long H = c->n_heads, KV = c->n_kv_heads, bias = c->arch == ARCH_GRIFFIN;
    long long n = (long long)c->vocab_size * D + D; /* tied embedding, final norm */
    for (int i = 0; i < c->n_layers; i++) {
        n += 2 * D;                               /* two norms */
        n += 3 * D * M + bias * (2 * M + D);      /* MLP */
        if (c->blocks[i] == BLOCK_RECURRENT) {
            long long bw = L / H;
            n += 2 * (D * L + L) + (L * D + D);   /* linear_x, linear_y, linear_out */
            n += L * c->conv_width + L;           /* conv1d */
            n += 2 * (H * bw * bw + L) + L;       /* gates, recurrent param */
        } else {
            n += D * H * hd + 2 * D * KV * hd + H * hd * D + bias * D;
        }
    }
    return n;
}

double config_forward_flops(const model_config *c, long pos0, long n_tok, long n_logits) {
    const double D = c->width, L = c->lru_width, M = c->mlp_width, q = (double)c->n_heads * c->head_dim,
                 kv = (double)c->n_kv_heads * c->head_dim;
    double per_tok = 0, keys = 0;
    /* Keys position p attends to: p + 1, at most window + 1 (the ring's
     * window earlier positions and itself). */
    for (long p = pos0; p < pos0 + n_tok; p++) keys += c->window > 0 && p > c->window ? c->window + 1 : p + 1;
    double attn = 0;
    for (int i = 0; i < c->n_layers; i++) {
        if (c->blocks[i] == BLOCK_RECURRENT) {
            per_tok += 3 * L * D + 2 * L * (L / c->n_heads);
        } else {
            per_tok += 2 * q * D + 2 * kv * D;
            attn += 4.0 * q * keys;
        }
        per_tok += 3 * M * D;
    }
    return 2 * per_tok * (double)n_tok + attn + 2.0 * c->vocab_size * D * (double)n_logits;
}

static void griffin_base(model_config *c, int vocab, int width, int layers, int heads, int window) {
    memset(c, 0, sizeof *c);
    c->arch = ARCH_GRIFFIN;
    c->vocab_size = vocab;
    c->width = width;
    c->n_layers = layers;
    c->n_heads = heads;
    c->n_kv_heads = 1;
    c->head_dim = width / heads;
    c->lru_width = width;
    c->mlp_width = 3 * width;
    c->window = window;
    c->conv_width = 4;
    c->soft_cap = 30.0f;
    c->norm_eps = 1e-6f;
    c->rope_theta = 10000.0f;
    c->rotary_fraction = 0.5f;
    c->embed_scale = 1;
    c->embed_scale_bf16 = 1;
    c->bos_id = 2;
    c->eos_id = 1;
    c->pad_id = 0;
    for (int i = 0; i < layers; i++) c->blocks[i] = (i % 3 == 2) ? BLOCK_ATTENTION : BLOCK_RECURRENT;
}

static void gemma_base(model_config *c, int vocab, int width, int layers, int heads, int kv, int head_dim, int mlp) {
    memset(c, 0, sizeof *c);
    c->arch = ARCH_GEMMA;
    c->vocab_size = vocab;
    c->width = width;
    c->n_layers = layers;
    c->n_heads = heads;
    c->n_kv_heads = kv;
    c->head_dim = head_dim;
    c->mlp_width = mlp;
    c->norm_eps = 1e-6f;
    c->rope_theta = 10000.0f;
    c->rotary_fraction = 1.0f;
    c->embed_scale = 1;
    c->max_positions = 8192;
    c->bos_id = 2;
    c->eos_id = 1;
    c->pad_id = 0;
    for (int i = 0; i < layers; i++) c->blocks[i] = BLOCK_ATTENTION;
}

int config_preset(model_config *c, const char *name, int vocab, errbuf *e) {
    if (strcmp(name, "tiny") == 0) griffin_base(c, vocab, 128, 6, 4, 64);
    else if (strcmp(name, "small") == 0) griffin_base(c, vocab, 768, 12, 12, 2048);
    else if (strcmp(name, "2b") == 0) griffin_base(c, 256000, 2560, 26, 10, 2048);
    else if (strcmp(name, "9b") == 0) griffin_base(c, 256000, 4096, 38, 16, 2048);
    else if (strcmp(name, "gemma-tiny") == 0) gemma_base(c, vocab, 128, 4, 4, 1, 32, 512);
    else if (strcmp(name, "gemma-small") == 0) gemma_base(c, vocab, 768, 12, 12, 1, 64, 2560);
    else if (strcmp(name, "gemma-2b") == 0) gemma_base(c, 256000, 2048, 18, 8, 1, 256, 16384);
    else return err_set(e, "unknown preset \"%s\" (known: %s)", name, config_preset_names);
    return 0;
}
