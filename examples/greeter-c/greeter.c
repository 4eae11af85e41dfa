// The greeter example service in C: wit-bindgen's C bindings for wit/greeter, compiled with
// clang and wasi-libc, made into a component by wasm-tools. Nothing Weft-specific.
//
// No stdio: anything that can write to a file descriptor would make wasi-libc import WASI
// preview 1, and this component needs no WASI at all.
//
// Ownership follows wit-bindgen's convention: the callee owns (and frees) its arguments; results
// are allocated with malloc and freed by the generated post-return functions.

#include <stdlib.h>
#include <string.h>

#include "greeter.h"

typedef exports_weft_greeter_greet_person_t person_t;

// Formats into a freshly allocated component string.
static void format_name(greeter_string_t *ret, const char *before, const greeter_string_t *name,
                        const char *after) {
  size_t b = strlen(before), a = strlen(after);
  uint8_t *buf = malloc(b + name->len + a);
  if (buf == NULL) __builtin_trap();
  memcpy(buf, before, b);
  if (name->len > 0) memcpy(buf + b, name->ptr, name->len);
  memcpy(buf + b + name->len, after, a);
  ret->ptr = buf;
  ret->len = b + name->len + a;
}

// Unicode scalar values in UTF-8 text: every byte that is not a continuation byte.
static uint32_t count_chars(const greeter_string_t *s) {
  uint32_t n = 0;
  for (size_t i = 0; i < s->len; i++) {
    if ((s->ptr[i] & 0xC0) != 0x80) n++;
  }
  return n;
}

void exports_greeter_make_point(int32_t x, int32_t y, greeter_point_t *ret) {
  ret->x = x;
  ret->y = y;
}

void exports_weft_greeter_greet_hello(greeter_string_t *name, greeter_string_t *ret) {
  format_name(ret, "Hello, ", name, "!");
  greeter_string_free(name);
}

void exports_weft_greeter_greet_greet(person_t *who, exports_weft_greeter_greet_tone_t tone,
                                      exports_weft_greeter_greet_greeting_t *ret) {
  if (tone == EXPORTS_WEFT_GREETER_GREET_TONE_FORMAL) {
    format_name(&ret->text, "Good day, ", &who->name, ".");
  } else {
    format_name(&ret->text, "Hi ", &who->name, "!");
  }
  ret->tone = tone;
  ret->chars = count_chars(&ret->text);
  exports_weft_greeter_greet_person_free(who);
}

void exports_weft_greeter_greet_greet_all(exports_weft_greeter_greet_list_person_t *people,
                                          greeter_list_string_t *ret) {
  ret->len = people->len;
  ret->ptr = NULL;
  if (people->len > 0) {
    ret->ptr = malloc(people->len * sizeof(greeter_string_t));
    if (ret->ptr == NULL) __builtin_trap();
  }
  for (size_t i = 0; i < people->len; i++) {
    format_name(&ret->ptr[i], "Hello, ", &people->ptr[i].name, "!");
  }
  exports_weft_greeter_greet_list_person_free(people);
}

bool exports_weft_greeter_greet_oldest(exports_weft_greeter_greet_list_person_t *people,
                                       person_t *ret) {
  const person_t *best = NULL;
  for (size_t i = 0; i < people->len; i++) {
    if (best == NULL || people->ptr[i].age > best->age) best = &people->ptr[i];
  }
  if (best != NULL) {
    greeter_string_dup_n(&ret->name, (const char *)best->name.ptr, best->name.len);
    ret->age = best->age;
  }
  exports_weft_greeter_greet_list_person_free(people);
  return best != NULL;
}

bool exports_weft_greeter_greet_divide(int32_t a, int32_t b, int32_t *ret, greeter_string_t *err) {
  if (b == 0) {
    greeter_string_dup(err, "division by zero");
    return false;
  }
  if (a == INT32_MIN && b == -1) {
    greeter_string_dup(err, "overflow");
    return false;
  }
  *ret = a / b;
  return true;
}
