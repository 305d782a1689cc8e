/* tests/fuzz/fuzz_safetensors.c: libFuzzer target for the safetensors
 * header parser (`make fuzz`). Any input must be accepted or rejected with a
 * message; ASan/UBSan catch crashes and over-reads. */
#include <stddef.h>
#include <stdint.h>

#include "model/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    errbuf e;
    sft_file *f = sft_open_memory(data, size, "fuzz", &e);
    if (f) {
        /* Touch every tensor's bytes: they must lie inside the input. */
        volatile unsigned sum = 0;
        for (int i = 0; i < sft_n_tensors(f); i++) {
            const sft_tensor *t = sft_tensor_at(f, i);
            for (size_t k = 0; k < t->n_bytes; k++) sum += ((const unsigned char *)t->data)[k];
        }
        (void)sum;
    }
    sft_close(f);
    return 0;
}
