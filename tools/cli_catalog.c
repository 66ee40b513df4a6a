/*
 * cli_catalog - `preflight findings` (the finding catalogue of every
 * registered check) and `preflight keys` (the configuration key table).
 *
 * Both print what the binary itself knows, so the documentation tests
 * compare the man pages against the code rather than against a copy.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* catalog_def_json - one catalogue entry as a JSON object */
static int catalog_def_json(const struct check_ops *ops, const struct finding_def *d,
    struct buf *out)
{
	const struct finding_reply *p;
	int rc = 0;

	rc |= buf_puts(out, "{\"id\":");
	rc |= buf_json_str(out, d->id);
	rc |= buf_puts(out, ",\"check\":");
	rc |= buf_json_str(out, ops->name);
	rc |= buf_puts(out, ",\"category\":");
	rc |= buf_json_str(out, finding_category_name(d->category));
	rc |= buf_puts(out, ",\"score\":");
	rc |= finding_json_number(out, d->score);
	rc |= buf_printf(out, ",\"certain\":%s,\"title\":", d->certain ? "true" : "false");
	rc |= buf_json_str(out, d->title != NULL ? d->title : "");
	rc |= buf_puts(out, ",\"remedy\":");
	rc |= buf_json_str(out, d->remedy != NULL ? d->remedy : "");
	rc |= buf_puts(out, ",\"predicted\":[");
	for (p = d->predicted; p != NULL && p->provider != NULL; p++) {
		rc |= buf_puts(out, p == d->predicted ? "{\"provider\":" : ",{\"provider\":");
		rc |= buf_json_str(out, p->provider);
		rc |= buf_puts(out, ",\"reply\":");
		rc |= buf_json_str(out, p->reply);
		rc |= buf_putc(out, '}');
	}
	rc |= buf_puts(out, "]}");
	return rc < 0 ? -1 : 0;
}

/* catalog_def_text - one catalogue entry for people */
static int catalog_def_text(const struct finding_def *d, struct buf *out)
{
	const struct finding_reply *p;
	int rc = 0;

	rc |= buf_printf(out, "%s [%s, score ", d->id, finding_category_name(d->category));
	rc |= finding_json_number(out, d->score);
	rc |= buf_printf(out, "%s]\n  %s\n  fix: %s\n", d->certain ? ", certain" : "",
	    d->title != NULL ? d->title : "", d->remedy != NULL ? d->remedy : "");
	for (p = d->predicted; p != NULL && p->provider != NULL; p++)
		rc |= buf_printf(out, "  predicted: %s: %s\n", p->provider, p->reply);
	return rc < 0 ? -1 : 0;
}

/* catalog_print - the whole catalogue, text or a JSON array */
static int catalog_print(bool json)
{
	const struct check_ops *const *reg;
	const struct finding_def *d;
	struct buf out = BUF_INIT;
	size_t n, i, count = 0;
	int rc = 0;

	reg = check_registry(&n);
	if (json)
		rc |= buf_putc(&out, '[');
	for (i = 0; i < n; i++) {
		for (d = reg[i]->defs; d != NULL && d->id != NULL; d++, count++) {
			if (json) {
				rc |= count > 0 ? buf_putc(&out, ',') : 0;
				rc |= catalog_def_json(reg[i], d, &out);
			} else {
				rc |= count > 0 ? buf_putc(&out, '\n') : 0;
				rc |= catalog_def_text(d, &out);
			}
		}
	}
	if (json)
		rc |= buf_puts(&out, "]\n");
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	buf_free(&out);
	if (rc != 0 || fflush(stdout) != 0) {
		cli_err("findings: cannot write the catalogue");
		return CLI_EX_SOFTWARE;
	}
	return 0;
}

int cli_findings(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h':
			printf("Usage: preflight findings [--json]\n"
			    "Print the catalogue of findings: id, category, default score, whether\n"
			    "it predicts a certain rejection, title, remedy and predicted replies.\n");
			return 0;
		default: return CLI_EX_USAGE;
		}
	}
	if (optind != argc) {
		cli_err("findings: unexpected argument \"%s\"", argv[optind]);
		return CLI_EX_USAGE;
	}
	return catalog_print(json);
}

int cli_keys(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct config_key_info *keys;
	size_t n, i;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c != 'h')
			return CLI_EX_USAGE;
		printf("Usage: preflight keys\n"
		    "Print the configuration keys, one a line: name<TAB>type<TAB>default.\n");
		return 0;
	}
	if (optind != argc) {
		cli_err("keys: unexpected argument \"%s\"", argv[optind]);
		return CLI_EX_USAGE;
	}
	n = config_keys(&keys);
	for (i = 0; i < n; i++)
		printf("%s\t%s\t%s\n", keys[i].name, keys[i].type,
		    keys[i].default_text != NULL ? keys[i].default_text : "");
	if (fflush(stdout) != 0) {
		cli_err("keys: cannot write");
		return CLI_EX_SOFTWARE;
	}
	return 0;
}
