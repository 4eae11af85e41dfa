// The {{name}} service in C: wit-bindgen's C bindings (service.h), built by `weft build`.
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"

void exports_service_hello(service_string_t *name, service_string_t *ret) {
    const char *prefix = "Hello, ";
    size_t prefix_len = strlen(prefix);
    size_t len = prefix_len + name->len + 1;
    uint8_t *out = malloc(len);
    if (out == NULL) __builtin_trap();
    memcpy(out, prefix, prefix_len);
    memcpy(out + prefix_len, name->ptr, name->len);
    out[len - 1] = '!';
    ret->ptr = out;
    ret->len = len;
    service_string_free(name);
}

uint32_t exports_service_count_words(service_string_t *text) {
    uint32_t words = 0;
    int in_word = 0;
    for (size_t i = 0; i < text->len; i++) {
        int space = isspace(text->ptr[i]);
        if (!space && !in_word) words++;
        in_word = !space;
    }
    service_string_free(text);
    return words;
}
