/* test-textscan - one-pass word search: case, word boundaries, several
 * words at once, words of one byte, 8-bit bytes, text edges */
#include <string.h>

#include "tap.h"
#include "textscan.h"

static const char *const words[] = {
	"act now", "winner", "risk-free", "d\xc3\xa9sabonner", "x", "100% free", NULL,
};

struct ts_case {
	const char *text;
	bool word;
	const char *want;	/* one letter per word: 1 found, 0 not */
};

static const struct ts_case cases[] = {
	{ "ACT NOW and be a Winner!", true, "110000" },
	{ "reactnow, winners, transact now, act now!", true, "100000" },
	{ "risk-free\n", true, "001000" },
	{ "Cliquez pour vous D\xc3\xa9sabonner", true, "000100" },
	{ "a x b", true, "000010" },
	{ "box", true, "000000" },
	{ "box", false, "000010" },
	{ "100% FREE", true, "000001" },
	{ "winner", true, "010000" },
	{ "", true, "000000" },
	{ "w", true, "000000" },
};

int main(void)
{
	bool found[TEXTSCAN_MAX];
	char got[8];
	size_t i, k;
	unsigned hits, want_hits;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hits = textscan_words(cases[i].text, strlen(cases[i].text), words, cases[i].word, found);
		for (k = 0, want_hits = 0; words[k] != NULL; k++) {
			got[k] = found[k] ? '1' : '0';
			want_hits += cases[i].want[k] == '1';
		}
		got[k] = '\0';
		ok(strcmp(got, cases[i].want) == 0 && hits == want_hits, "\"%s\" (%s): %s",
		    cases[i].text, cases[i].word ? "words" : "anywhere", got);
	}
	ok(textscan_find("x Winner winner", 15, "WINNER", true) != NULL &&
	    strcmp(textscan_find("x Winner winner", 15, "WINNER", true), "Winner winner") == 0,
	    "textscan_find: the first match");
	ok(textscan_find("winners", 7, "winner", true) == NULL &&
	    textscan_find("winners", 7, "winner", false) != NULL, "textscan_find: boundaries");
	return tap_done();
}
