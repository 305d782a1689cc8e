// model/tokenizer_sp.cc: the extern "C" shim over SentencePiece (the only
// C++ in the project). Exceptions and C++ types never cross this boundary.
#include <sentencepiece_processor.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "common/sha256.h"
#include "model/tokenizer.h"
}

struct tok {
    sentencepiece::SentencePieceProcessor sp;
    char sha256[65];
};

extern "C" tok *tok_load(const char *path, errbuf *e) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        err_errno(e, "%s", path);
        return nullptr;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    tok *t = new (std::nothrow) tok;
    if (!t) {
        err_set(e, "%s: out of memory", path);
        return nullptr;
    }
    auto status = t->sp.LoadFromSerializedProto(bytes);
    if (!status.ok()) {
        err_set(e, "%s: not a SentencePiece model (%s)", path, status.ToString().c_str());
        delete t;
        return nullptr;
    }
    if (t->sp.GetPieceSize() <= 0) {
        err_set(e, "%s: SentencePiece model has an empty vocabulary", path);
        delete t;
        return nullptr;
    }
    sha256_hex(bytes.data(), bytes.size(), t->sha256);
    return t;
}

extern "C" void tok_free(tok *t) { delete t; }
extern "C" int tok_vocab_size(const tok *t) { return t->sp.GetPieceSize(); }
extern "C" int tok_bos_id(const tok *t) { return t->sp.bos_id(); }
extern "C" int tok_eos_id(const tok *t) { return t->sp.eos_id(); }
extern "C" int tok_pad_id(const tok *t) { return t->sp.pad_id(); }
extern "C" int tok_unk_id(const tok *t) { return t->sp.unk_id(); }

static int encode_vec(const tok *t, const char *text, size_t n, int add_bos, std::vector<int> *out, errbuf *e) {
    out->clear();
    std::vector<int> ids;
    auto status = t->sp.Encode(std::string(text, n), &ids);
    if (!status.ok()) return err_set(e, "tokenizer: encode failed (%s)", status.ToString().c_str());
    if (add_bos) {
        if (t->sp.bos_id() < 0) return err_set(e, "tokenizer: the model has no <bos> token");
        out->push_back(t->sp.bos_id());
    }
    out->insert(out->end(), ids.begin(), ids.end());
    return 0;
}

extern "C" int tok_encode(const tok *t, const char *text, size_t n_bytes, int add_bos, int32_t *ids, int cap,
                          errbuf *e) {
    try {
        std::vector<int> v;
        if (encode_vec(t, text, n_bytes, add_bos, &v, e) != 0) return -1;
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
        int32_t *out = (int32_t *)malloc((v.size() ? v.size() : 1) * sizeof(int32_t));
        if (!out) return err_set(e, "tokenizer: out of memory");
        for (size_t i = 0; i < v.size(); i++) out[i] = v[i];
        *ids = out;
        return (int)v.size();
    } catch (...) {
        return err_set(e, "tokenizer: encode failed (out of memory)");
    }
}

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
            if (!t->sp.IsControl(ids[i])) v.push_back(ids[i]);
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

extern "C" const char *tok_sha256(const tok *t) { return t->sha256; }
