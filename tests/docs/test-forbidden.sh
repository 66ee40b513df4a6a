#!/bin/bash
# test-forbidden - the calls the code rules forbid are absent from the C
# sources of lib/ milter/ tools/ bench/: system, popen, sprintf/vsprintf,
# strcpy/stpcpy, strcat, gets, alloca, the exec forms other than execv and
# execve (execl*, execvp*, posix_spawnp), sqlite3_*printf, SQL text with a
# printf conversion, and any SQL handed to sqlite3_prepare*/sqlite3_exec
# that is not a string literal or a static const (a buffer filled by
# snprintf, say).  Comments and string literals are blanked before the
# call patterns are matched, so "system(" in a comment or a message is no
# offence.  One TAP line per rule, naming every FILE:LINE offender.
#
# The matcher proves itself first: a temporary file holding each forbidden
# form must be caught by its rule, and a file of look-alikes (snprintf,
# fgets, s->system(, "strcpy(" in a string, a static const SQL text) must
# not be.  The build's PF_CFLAGS must carry -Wall -Wextra -Werror.
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

command -v perl >/dev/null 2>&1 || tap_skip_all "perl is not installed"
tmp_workdir

rules="system popen sprintf strcpy strcat gets alloca exec sqlite-printf sql-format sql-arg"

# The matcher: forbidden.pl FILE... prints "RULE<TAB>FILE:LINE: SOURCE".
cat >"$WORKDIR/forbidden.pl" <<'PERL'
use strict;
use warnings;

my $id = qr/(?<![\w.>])/;	# not part of a longer name, not a member
my %call = (
	'system'        => qr/${id}system\s*\(/,
	'popen'         => qr/${id}popen\s*\(/,
	'sprintf'       => qr/${id}v?sprintf\s*\(/,
	'strcpy'        => qr/${id}(?:strcpy|stpcpy)\s*\(/,
	'strcat'        => qr/${id}strcat\s*\(/,
	'gets'          => qr/${id}gets\s*\(/,
	'alloca'        => qr/${id}(?:__builtin_)?alloca\s*\(/,
	'sqlite-printf' => qr/${id}sqlite3_v?(?:mprintf|snprintf)\s*\(/,
	'exec'          => qr/${id}(?:execl[pe]?|execvpe?|posix_spawnp)\s*\(/,
);
my $lit = qr/"(?:[^"\\\n]|\\.)*"/s;
# SQL text: a literal that starts with a statement's verb
my $sqlverb = qr/^"\s*(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|PRAGMA|WITH|BEGIN|ATTACH|VACUUM)\b/;
my $conv = qr/%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|j|z|t|L)?[diouxXcsSqQwfeEgGp]/;

# strip - comments become blanks; with $blank, so do string and char
# literal contents.  Length and newlines are kept, so offsets agree.
sub strip {
	my ($s, $blank) = @_;
	$s =~ s{(/\*.*?\*/|//[^\n]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')}{
		my ($c, $q) = ($1, $2);
		if (defined $c) { (my $t = $c) =~ s/[^\n]/ /g; $t }
		elsif ($blank) { my $t = substr($q, 1, -1); $t =~ s/[^\n]/ /g; substr($q, 0, 1) . $t . substr($q, 0, 1) }
		else { $q }
	}gse;
	return $s;
}

sub line_of { my ($s, $pos) = @_; return 1 + (substr($s, 0, $pos) =~ tr/\n//); }

# sql_ok - an SQL argument (kept and blanked forms) is literal or constant
sub sql_ok {
	my ($kept, $blank, $consts) = @_;
	my ($depth, $q) = (0, -1);
	for my $i (0 .. length($blank) - 1) {
		my $c = substr($blank, $i, 1);
		$depth++ if $c eq '(';
		$depth-- if $c eq ')';
		if ($c eq '?' && $depth == 0 && $q < 0) { $q = $i; last; }
	}
	if ($q >= 0) {	# cond ? a : b - both branches must pass
		my $rest = substr($blank, $q + 1);
		my ($d, $colon) = (0, -1);
		for my $i (0 .. length($rest) - 1) {
			my $c = substr($rest, $i, 1);
			$d++ if $c eq '(' || $c eq '?';
			$d-- if $c eq ')';
			if ($c eq ':') { if ($d == 0) { $colon = $i; last; } $d--; }
		}
		return 0 if $colon < 0;
		my $kr = substr($kept, $q + 1);
		return sql_ok(substr($kr, 0, $colon), substr($rest, 0, $colon), $consts) &&
		    sql_ok(substr($kr, $colon + 1), substr($rest, $colon + 1), $consts);
	}
	(my $a = $kept) =~ s/^\s+|\s+$//g;
	$a =~ s/^\((.*)\)$/$1/s;
	return 1 if $a =~ /"/ && $a =~ /^(?:$lit|[A-Z_][A-Z0-9_]*|\s)+$/;
	return 1 if $a =~ /^(\w+)(?:\s*\[[\w\s+*-]*\])?$/ && $consts->{$1};
	return 0;
}

for my $file (@ARGV) {
	open(my $fh, '<', $file) or die "$file: $!\n";
	my $src = do { local $/; <$fh> };
	close($fh);
	my $kept = strip($src, 0);
	my $blank = strip($src, 1);
	my @lines = split /\n/, $src, -1;
	my $say = sub {
		my ($rule, $pos) = @_;
		my $n = line_of($blank, $pos);
		(my $text = $lines[$n - 1] // '') =~ s/^\s+//;
		print "$rule\t$file:$n: $text\n";
	};
	for my $rule (sort keys %call) {
		while ($blank =~ /$call{$rule}/g) { $say->($rule, $-[0]); }
	}
	# SQL text with a conversion: a run of adjacent literals (macros may
	# sit between them) that starts as SQL and holds a printf conversion
	while ($kept =~ /($lit(?:\s*(?:[A-Z_][A-Z0-9_]*\s*)?$lit)*)/g) {
		my ($run, $at) = ($1, $-[0]);
		(my $text = $run) =~ s/\\"//g;
		$text =~ s/'[^']*'//g;	# SQL string literals may hold a '%'
		$text =~ s/%%//g;
		# hiredis sends each conversion as an argument of its own: no SQL
		next if substr($blank, $at > 300 ? $at - 300 : 0, $at > 300 ? 300 : $at) =~
		    /\bredis\w*Command\w*\s*\([^;]*,\s*$/;
		$say->('sql-format', $at) if $text =~ $sqlverb && $text =~ $conv;
	}
	# the SQL argument of every prepare/exec
	my %consts;
	$consts{$1} = 1 while $kept =~ /\bstatic\s+const\s+char\s+(?:\*\s*const\s+)?(\w+)\s*(?:\[\s*\])?\s*=/g;
	$consts{$1} = 1 while $kept =~ /^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+"/mg;
	while ($blank =~ /${id}sqlite3_(?:prepare\w*|exec)\s*\(/g) {
		my ($start, $at) = ($+[0], $-[0]);
		my ($depth, $argn, $from, @args) = (0, 0, $start);
		for (my $i = $start; $i < length($blank); $i++) {
			my $c = substr($blank, $i, 1);
			if ($c eq '(') { $depth++; next; }
			if ($c eq ')' && $depth > 0) { $depth--; next; }
			if (($c eq ',' || $c eq ')') && $depth == 0) {
				push @args, [$from, $i];
				$from = $i + 1;
				last if $c eq ')' || @args == 2;
			}
		}
		my ($f, $t) = @{$args[1] // [0, 0]};
		$say->('sql-arg', $at) unless @args == 2 &&
		    sql_ok(substr($kept, $f, $t - $f), substr($blank, $f, $t - $f), \%consts);
	}
}
PERL

# forbidden FILE... - run the matcher; its output in $WORKDIR/hits
forbidden() {
	perl "$WORKDIR/forbidden.pl" "$@" >"$WORKDIR/hits" 2>"$WORKDIR/perl.err"
}

# --- the matcher proves itself -------------------------------------------
mkdir "$WORKDIR/bad"
cat >"$WORKDIR/bad/bad.c" <<'EOF'
#include <stdio.h>
void f(char *d, const char *s, sqlite3 *db, char *sql)
{
	system("ls");
	FILE *p = popen(s, "r");
	sprintf(d, "%s", s);
	vsprintf (d, s, ap);
	strcpy(d, s);
	strcat(d, s);
	gets(d);
	char *a = alloca(10);
	char *q = sqlite3_mprintf("SELECT * FROM t WHERE k = %Q", s);
	snprintf(sql, 64, "DELETE FROM t WHERE expires < %lld", (long long)n);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	execlp("postsuper", "postsuper", "-H", qid, (char *)NULL);
}
EOF
forbidden "$WORKDIR/bad/bad.c"
for r in $rules; do
	hit=$(awk -F'\t' -v r="$r" '$1 == r { print $2; exit }' "$WORKDIR/hits")
	if [ -n "$hit" ]; then
		tap_ok "the $r rule catches its form (${hit#"$WORKDIR"/})"
	else
		tap_fail "the $r rule catches its form in bad.c" "$(cat "$WORKDIR/hits" "$WORKDIR/perl.err")"
	fi
done

cat >"$WORKDIR/bad/good.c" <<'EOF'
/* system(), popen(), sprintf(), strcpy(), strcat(), gets(), alloca() in a
 * comment are no offence; nor is sqlite3_mprintf("%q") here. */
#define SQL_GET "SELECT v FROM kv WHERE k = ?1"
static const char sql_put[] = "INSERT INTO kv VALUES (?1, ?2)";
void g(struct x *o, char *d, size_t n, const char *s, sqlite3 *db, int a)
{
	static const char *const sql_del = "DELETE FROM kv WHERE k = ?1";
	snprintf(d, n, "%s", s);	// sprintf( in a line comment
	vsnprintf(d, n, s, ap);
	fgets(d, (int)n, stdin);
	o->system(s);
	o.popen(s);
	my_strcpy(d, s);
	puts("do not call system(\"rm\") or strcat(a, b)");
	printf("%s: WHERE clause\n", s);
	sqlite3_prepare_v2(db, "SELECT a FROM t WHERE b = ?1 AND c LIKE '%x%'", -1, &st, NULL);
	sqlite3_prepare_v2(db, "SELECT " COLS " FROM t", -1, &st, NULL);
	sqlite3_prepare_v2(db, sql_put, -1, &st, NULL);
	sqlite3_prepare_v2(db, a ? sql_put : SQL_GET, -1, &st, NULL);
	sqlite3_exec(db, sql_del, NULL, NULL, NULL);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL", f(1, 2), NULL, NULL);
	static const char *const sqls[] = { "DELETE FROM a WHERE x < ?1", "VACUUM" };
	sqlite3_prepare_v2(db, sqls[n - 1], -1, &st, NULL);
	redisCommand(c, "SELECT %d", a);
	execv(path, argv);
	execve(path, argv, envp);
}
EOF
forbidden "$WORKDIR/bad/good.c"
if [ -s "$WORKDIR/perl.err" ]; then
	tap_fail "the matcher runs" "$(cat "$WORKDIR/perl.err")"
elif [ -s "$WORKDIR/hits" ]; then
	tap_fail "no false positive on look-alikes (good.c)" "$(cat "$WORKDIR/hits")"
else
	tap_ok "no false positive on look-alikes (good.c)"
fi

# --- the sources ---------------------------------------------------------
files=()
while IFS= read -r f; do
	files+=("$f")
done < <(cd "$top_srcdir" && find lib milter tools bench -name '_build*' -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort)
if [ "${#files[@]}" -ge 20 ]; then
	tap_ok "${#files[@]} C files in lib milter tools bench"
else
	tap_fail "C files found in lib milter tools bench" "only ${#files[@]}"
fi
(cd "$top_srcdir" && forbidden "${files[@]}")
[ -s "$WORKDIR/perl.err" ] && tap_diag "matcher: $(cat "$WORKDIR/perl.err")"
for r in $rules; do
	offenders=$(awk -F'\t' -v r="$r" '$1 == r { print $2 }' "$WORKDIR/hits")
	case $r in
	sql-format) what="SQL text built with a printf conversion" ;;
	sql-arg) what="SQL given to sqlite3_prepare*/exec that is not a literal or static const" ;;
	sqlite-printf) what="sqlite3_mprintf/sqlite3_snprintf" ;;
	exec) what="exec through PATH or a list (only execv/execve with an argv array)" ;;
	*) what="$r()" ;;
	esac
	if [ -z "$offenders" ] && [ ! -s "$WORKDIR/perl.err" ]; then
		tap_ok "no $what"
	else
		tap_fail "no $what" "$offenders"
	fi
done

# --- the warnings the build uses -----------------------------------------
mk="$top_builddir/lib/Makefile"
if [ -f "$mk" ]; then
	flags=$(sed -n 's/^PF_CFLAGS *= *//p' "$mk")
	for w in -Wall -Wextra -Werror; do
		case " $flags " in
		*" $w "*) tap_ok "PF_CFLAGS has $w" ;;
		*) tap_fail "PF_CFLAGS has $w" "PF_CFLAGS = $flags" ;;
		esac
	done
else
	tap_fail "PF_CFLAGS readable" "no $mk"
fi

tap_done
