// model/tokenizer_sp.cc: the extern "C" shim over SentencePiece (the only
// C++ in the project). Exceptions and C++ types never cross this boundary:
// every entry point catches, and errors go to the errbuf.
#include <sentencepiece_processor.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "common/fileio.h"
#include "common/sha256.h"
#include "model/tokenizer.h"
}

// Gemma's model is 4.2 MB; anything far larger is not a tokenizer.
static const size_t TOK_MAX_FILE_BYTES = (size_t)256 << 20;

struct tok {
    sentencepiece::SentencePieceProcessor sp;
    // Special pieces whose literal text in the input maps to their id, as
    // Hugging Face's tokenizer splits on its special tokens; longest first so
    // that a piece that is a prefix of another never wins.
    std::vector<std::pair<std::string, int>> specials;
    bool special_first_byte[256];
    char sha256[65];
};

// Walks the top-level fields of a serialized ModelProto (protobuf wire
// format: varint key = field << 3 | wire type, then the value) and requires
// the pieces (1), trainer spec (2) and normalizer spec (3). The protobuf
// parser alone accepts a file cut at a field boundary, which would load with
// default settings (a dummy prefix, NFKC) and tokenize differently.
static int read_varint(const unsigned char *p, size_t n, size_t *pos, unsigned long long *v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*pos >= n) return -1;
        unsigned char b = p[(*pos)++];
        *v |= (unsigned long long)(b & 0x7f) << shift;
        if (!(b & 0x80)) return 0;
    }
    return -1;
}

static int check_wire(const unsigned char *p, size_t n, const char *path, errbuf *e) {
    size_t pos = 0;
    bool seen[4] = {false, false, false, false};
    while (pos < n) {
        const size_t field_at = pos;
        unsigned long long key, v;
        if (read_varint(p, n, &pos, &key) != 0)
            return err_set(e, "%s: not a SentencePiece model: bad field key at byte %zu of %zu", path, field_at, n);
        const unsigned long long field = key >> 3;
        unsigned long long len = 0;
        const unsigned wire = (unsigned)(key & 7);
        if (wire == 0 || wire == 2) {
            if (read_varint(p, n, &pos, &v) != 0)
                return err_set(e, "%s: truncated or not a SentencePiece model: field %llu at byte %zu has a bad "
                               "varint", path, field, field_at);
            if (wire == 2) len = v;
        } else if (wire == 1 || wire == 5) {
            len = wire == 1 ? 8 : 4;
        } else {
            return err_set(e, "%s: not a SentencePiece model: unknown wire type %u at byte %zu", path, wire, field_at);
        }
        if (len > n - pos)
            return err_set(e, "%s: truncated or not a SentencePiece model: field %llu at byte %zu runs past the "
                           "end of the file (%zu bytes)", path, field, field_at, n);
        pos += (size_t)len;
        if (field >= 1 && field <= 3) seen[field] = true;
    }
    static const char *names[4] = {"", "pieces", "trainer spec", "normalizer spec"};
    for (int f = 1; f <= 3; f++)
        if (!seen[f])
            return err_set(e, "%s: truncated or not a SentencePiece model: no %s (field %d) in %zu bytes", path,
                           names[f], f, n);
    return 0;
}

// A special id must name a piece of the right kind; -1 (absent) is fine.
static int check_special(const tok *t, const char *path, const char *what, int id, bool want_control, errbuf *e) {
    if (id < 0) return 0;
    if (id >= t->sp.GetPieceSize())
        return err_set(e, "%s: %s id %d is outside the vocabulary [0, %d)", path, what, id, t->sp.GetPieceSize());
    if (want_control ? !t->sp.IsControl(id) : !t->sp.IsUnknown(id))
        return err_set(e, "%s: %s id %d (\"%s\") is not %s piece", path, what, id, t->sp.IdToPiece(id).c_str(),
                       want_control ? "a control" : "the unknown");
    return 0;
}

static tok *load(const char *path, errbuf *e) {
    size_t n = 0;
    char *bytes = file_read_all(path, TOK_MAX_FILE_BYTES, &n, e);
    if (!bytes) return nullptr;
    if (n == 0) {
        free(bytes);
        err_set(e, "%s: empty file, expected a SentencePiece model", path);
        return nullptr;
    }
    if (check_wire((const unsigned char *)bytes, n, path, e) != 0) {
        free(bytes);
        return nullptr;
    }
    tok *t = new (std::nothrow) tok;
    if (!t) {
        free(bytes);
        err_set(e, "%s: out of memory", path);
        return nullptr;
    }
    auto status = t->sp.LoadFromSerializedProto(std::string(bytes, n));
    sha256_hex(bytes, n, t->sha256);
    free(bytes);
    if (!status.ok()) {
        err_set(e, "%s: not a SentencePiece model (%s)", path, status.ToString().c_str());
        delete t;
        return nullptr;
    }
    const int size = t->sp.GetPieceSize();
    if (size <= 0) {
        err_set(e, "%s: SentencePiece model has an empty vocabulary", path);
        delete t;
        return nullptr;
    }
    int bad = t->sp.unk_id() < 0 ? err_set(e, "%s: the model has no unknown piece", path)
                                 : check_special(t, path, "<unk>", t->sp.unk_id(), false, e);
    if (!bad) bad = check_special(t, path, "<bos>", t->sp.bos_id(), true, e);
    if (!bad) bad = check_special(t, path, "<eos>", t->sp.eos_id(), true, e);
    if (!bad) bad = check_special(t, path, "<pad>", t->sp.pad_id(), true, e);
    // Gemma's names: a piece spelled <bos>, <eos> or <pad> that is not a
    // control piece means a damaged or mislabelled model (the id accessors
    // would then answer -1 and encoding would silently lose its <bos>).
    static const char *gemma_controls[] = {"<bos>", "<eos>", "<pad>"};
    for (const char *name : gemma_controls) {
        const int id = t->sp.PieceToId(name);
        if (!bad && t->sp.IdToPiece(id) == name && !t->sp.IsControl(id))
            bad = err_set(e, "%s: piece %d \"%s\" is not a control piece, so the model has no usable %s", path, id,
                          name, name);
    }
    if (bad) {
        delete t;
        return nullptr;
    }
    memset(t->special_first_byte, 0, sizeof t->special_first_byte);
    for (int id = 0; id < size; id++) {
        if (!t->sp.IsControl(id) && !t->sp.IsUnknown(id)) continue;
        const std::string &piece = t->sp.IdToPiece(id);
        if (piece.empty()) continue;
        t->specials.emplace_back(piece, id);
        t->special_first_byte[(unsigned char)piece[0]] = true;
    }
    std::stable_sort(t->specials.begin(), t->specials.end(),
                     [](const std::pair<std::string, int> &a, const std::pair<std::string, int> &b) {
                         return a.first.size() > b.first.size();
                     });
    return t;
}

extern "C" tok *tok_load(const char *path, errbuf *e) {
    try {
        return load(path, e);
    } catch (...) {
        err_set(e, "%s: out of memory loading the tokenizer", path);
        return nullptr;
    }
}

extern "C" void tok_free(tok *t) { delete t; }
extern "C" int tok_vocab_size(const tok *t) { return t->sp.GetPieceSize(); }
extern "C" int tok_bos_id(const tok *t) { return t->sp.bos_id(); }
extern "C" int tok_eos_id(const tok *t) { return t->sp.eos_id(); }
extern "C" int tok_pad_id(const tok *t) { return t->sp.pad_id(); }
extern "C" int tok_unk_id(const tok *t) { return t->sp.unk_id(); }

// Length of the special piece at text[i..n), or 0; its id in *id.
static size_t special_at(const tok *t, const char *text, size_t i, size_t n, int *id) {
    if (!t->special_first_byte[(unsigned char)text[i]]) return 0;
    for (const auto &s : t->specials) {
        if (s.first.size() <= n - i && memcmp(text + i, s.first.data(), s.first.size()) == 0) {
            *id = s.second;
            return s.first.size();
        }
    }
    return 0;
}

static int encode_span(const tok *t, const char *text, size_t n, std::vector<int> *out, errbuf *e) {
    if (n == 0) return 0;
    std::vector<int> ids;
    auto status = t->sp.Encode(std::string(text, n), &ids);
    if (!status.ok()) return err_set(e, "tokenizer: encode failed (%s)", status.ToString().c_str());
    out->insert(out->end(), ids.begin(), ids.end());
    return 0;
}

static int encode_vec(const tok *t, const char *text, size_t n, int add_bos, std::vector<int> *out, errbuf *e) {
    out->clear();
    if (add_bos) {
        if (t->sp.bos_id() < 0) return err_set(e, "tokenizer: the model has no <bos> token");
        out->push_back(t->sp.bos_id());
    }
    size_t start = 0;
    for (size_t i = 0; i < n;) {
        int id;
        size_t len = special_at(t, text, i, n, &id);
        if (!len) {
            i++;
            continue;
        }
        if (encode_span(t, text + start, i - start, out, e) != 0) return -1;
        // TASKS.md A.0: text that starts with the literal <bos> gets no second one.
        if (!(i == 0 && add_bos && id == t->sp.bos_id())) out->push_back(id);
        i += len;
        start = i;
    }
    return encode_span(t, text + start, n - start, out, e);
}

extern "C" int tok_encode(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t *ids, int cap,
                          errbuf *e) {
    if (cap < 0) return err_set(e, "tokenizer: negative id buffer capacity %d", cap);
    try {
        std::vector<int> v;
        if (encode_vec(t, text, n_bytes, add_bos, &v, e) != 0) return -1;
        if (v.size() > 0x7fffffff) return err_set(e, "tokenizer: text of %zu bytes needs too many ids", n_bytes);
        for (size_t i = 0; i < v.size() && (int)i < cap; i++) ids[i] = v[i];
        return (int)v.size();
    } catch (...) {
        return err_set(e, "tokenizer: encode failed (out of memory)");
    }
}

extern "C" int tok_encode_alloc(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t **ids,
                                errbuf *e) {
    *ids = nullptr;
    try {
        std::vector<int> v;
        if (encode_vec(t, text, n_bytes, add_bos, &v, e) != 0) return -1;
        if (v.size() > 0x7fffffff) return err_set(e, "tokenizer: text of %zu bytes needs too many ids", n_bytes);
        int32_t *out = (int32_t *)malloc((v.size() ? v.size() : 1) * sizeof(int32_t));
        if (!out) return err_set(e, "tokenizer: out of memory");
        for (size_t i = 0; i < v.size(); i++) out[i] = v[i];
        *ids = out;
        return (int)v.size();
    } catch (...) {
        return err_set(e, "tokenizer: encode failed (out of memory)");
    }
}

static bool is_special(const tok *t, int id) { return t->sp.IsControl(id) || t->sp.IsUnknown(id); }

extern "C" char *tok_decode(const tok *t, const int32_t *ids, int n, errbuf *e) {
    try {
        std::vector<int> v;
        v.reserve(n > 0 ? n : 0);
        const int size = t->sp.GetPieceSize();
        for (int i = 0; i < n; i++) {
            if (ids[i] < 0 || ids[i] >= size) {
                err_set(e, "tokenizer: id %d at position %d is outside the vocabulary [0, %d)", (int)ids[i], i, size);
                return nullptr;
            }
            if (!is_special(t, ids[i])) v.push_back(ids[i]);
        }
        std::string s;
        auto status = t->sp.Decode(v, &s);
        if (!status.ok()) {
            err_set(e, "tokenizer: decode failed (%s)", status.ToString().c_str());
            return nullptr;
        }
        char *out = (char *)malloc(s.size() + 1);
        if (!out) {
            err_set(e, "tokenizer: out of memory");
            return nullptr;
        }
        memcpy(out, s.data(), s.size());
        out[s.size()] = 0;
        return out;
    } catch (...) {
        err_set(e, "tokenizer: decode failed (out of memory)");
        return nullptr;
    }
}

static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

extern "C" int tok_piece_text(const tok *t, int id, char *dst, int cap) {
    if (id < 0 || id >= t->sp.GetPieceSize()) return -1;
    if (is_special(t, id)) return 0;
    const std::string &p = t->sp.IdToPiece(id);
    if (t->sp.IsByte(id)) {  // "<0xNN>"
        if (p.size() == 6 && hex_digit(p[3]) >= 0 && hex_digit(p[4]) >= 0) {
            if (cap >= 1) dst[0] = (char)(hex_digit(p[3]) * 16 + hex_digit(p[4]));
            return 1;
        }
    }
    static const char kSpace[] = "\xe2\x96\x81";  // U+2581, SentencePiece's space
    int n = 0;
    for (size_t i = 0; i < p.size(); n++) {
        const bool space = p.compare(i, 3, kSpace) == 0;
        if (n < cap) dst[n] = space ? ' ' : p[i];
        i += space ? 3 : 1;
    }
    return n;
}

extern "C" const char *tok_piece(const tok *t, int id) {
    if (id < 0 || id >= t->sp.GetPieceSize()) return nullptr;
    return t->sp.IdToPiece(id).c_str();
}

extern "C" int tok_piece_id(const tok *t, const char *piece) {
    int id = t->sp.PieceToId(piece);
    // PieceToId answers unk for unknown pieces: tell them apart.
    if (id == t->sp.unk_id() && t->sp.IdToPiece(id) != piece) return -1;
    return id;
}

extern "C" int tok_is_control(const tok *t, int id) {
    return id >= 0 && id < t->sp.GetPieceSize() && t->sp.IsControl(id);
}

extern "C" int tok_is_byte(const tok *t, int id) { return id >= 0 && id < t->sp.GetPieceSize() && t->sp.IsByte(id); }

extern "C" const char *tok_sha256(const tok *t) { return t->sha256; }
