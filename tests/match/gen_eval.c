/* tests/match/gen_eval.c - writes the matcher's evaluation set to stdout:
 *   tests/match/gen_eval > tests/match/eval.txt
 * The seed is fixed (EVAL_SEED), so the output only changes when the
 * generator does; the match suite checks the stored file is current. */
#include <stdio.h>

#include "tests/match/eval.h"

int main(void)
{
	struct eval_set s;
	eval_generate(EVAL_SEED, EVAL_CLIENTS, EVAL_QUERIES, &s);
	eval_write(stdout, &s);
	eval_free(&s);
	return fflush(stdout) == 0 ? 0 : 1;
}
