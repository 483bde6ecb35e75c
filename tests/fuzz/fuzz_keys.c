/* tests/fuzz/fuzz_keys.c - the keys-file parser on any bytes.
 *
 * Beyond "does not crash", it checks what the parser promises: every error
 * is "fuzz.keys:N: ..." in clean UTF-8 with no control characters, the
 * count returned matches the messages kept, and every key that got bound
 * formats to a name that parses back to the same key and looks up to the
 * action it was bound to. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keymaps/keymap.h"
#include "keymaps/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keymap_set *set = keymap_set_new();
	struct keymap_errors errs = {0};
	size_t n = keymap_parse_buffer(set, (const char *)data, size, "fuzz.keys", &errs);

	check(n == errs.count + errs.dropped);
	for (size_t i = 0; i < errs.count; i++) {
		const char *m = errs.msgs[i];
		size_t len = strlen(m);
		check(strncmp(m, "fuzz.keys:", 10) == 0);
		check(utf8_valid(m, len));
		for (size_t j = 0; j < len; j++)
			check((unsigned char)m[j] >= 0x20 && m[j] != 0x7f);
	}

	for (int id = 0; id < KEYMAP_COUNT; id++) {
		size_t count = keymap_binding_count(set, (enum keymap_id)id);
		for (size_t i = 0; i < count; i++) {
			struct key k, back;
			enum action a;
			char name[KEY_NAME_LEN], label[KEY_NAME_LEN];
			keymap_binding_at(set, (enum keymap_id)id, i, &k, &a);
			key_format(&k, name, sizeof name);
			key_label(&k, label, sizeof label);
			check(key_parse(name, &back, NULL));
			check(key_equal(&k, &back));
			check(keymap_lookup(set, (enum keymap_id)id, &k, 0) == a);
			struct key keys[4];
			keymap_keys_for(set, (enum keymap_id)id, KEYMAP_EDITING, a, keys, 4);
		}
	}

	/* the first line on its own, as a key name */
	if (size > 0 && size < 64) {
		char name[64];
		size_t len = 0;
		while (len < size && data[len] != '\n')
			len++;
		memcpy(name, data, len);
		name[len] = '\0';
		struct key k, back;
		char out[KEY_NAME_LEN];
		if (key_parse(name, &k, NULL)) {
			key_format(&k, out, sizeof out);
			check(key_parse(out, &back, NULL) && key_equal(&k, &back));
		}
	}

	keymap_errors_free(&errs);
	keymap_set_free(&set);
	return 0;
}
