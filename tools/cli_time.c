/*
 * cli_time - the time arguments of the CLI (--since, --until): epoch
 * seconds, or an age before now such as 90m, 2h, 3d, 1w (held list
 * --since, report --since and --until).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli.h"

int cli_parse_time(const char *s, time_t now, time_t *t_r)
{
	static const struct { char unit; int64_t secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 }, { 0, 0 },
	};
	unsigned long long n;
	char *end;
	size_t i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || n > (unsigned long long)INT64_MAX / 604800)
		return -1;
	if (*end == '\0') {
		*t_r = (time_t)n;
		return 0;
	}
	for (i = 0; units[i].unit != 0; i++)
		if (end[0] == units[i].unit && end[1] == '\0') {
			*t_r = now - (time_t)((int64_t)n * units[i].secs);
			return 0;
		}
	return -1;
}
