#!/bin/bash
# test-held - `preflight held` on a log written by cli/store-add (through
# store_add, as the milter writes it): list, show, JSON, and release and
# delete through a fake postsuper that records its argv, including the
# refusals (bad queue id, already released, postsuper failing).
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib.sh"

pf="$top_builddir/tools/preflight"
add="$top_builddir/tests/cli/store-add"

command -v jq >/dev/null 2>&1 || tap_skip_all "jq is not installed"
command -v sqlite3 >/dev/null 2>&1 || tap_skip_all "sqlite3 is not installed"
[ -x "$pf" ] || tap_skip_all "$pf is not built"
[ -x "$add" ] || tap_skip_all "$add is not built"
tmp_workdir

db="$WORKDIR/held.db"
pfdir="$WORKDIR/postfix"
mkdir "$pfdir"
conf="$WORKDIR/preflight.conf"
printf 'HeldLog %s\nPostfixConfigDir %s\n' "$db" "$pfdir" >"$conf"
conf_nodir="$WORKDIR/nodir.conf"
printf 'HeldLog %s\n' "$db" >"$conf_nodir"

# The fake postsuper: one line per run, each argument in brackets.
export FAKE_LOG="$WORKDIR/postsuper.log"
export PREFLIGHT_POSTSUPER="$WORKDIR/fake-postsuper"
cat >"$PREFLIGHT_POSTSUPER" <<'EOF'
#!/bin/sh
printf '[%s]' "$@" >>"$FAKE_LOG"
printf '\n' >>"$FAKE_LOG"
exit "${FAKE_EXIT:-0}"
EOF
chmod +x "$PREFLIGHT_POSTSUPER"
: >"$FAKE_LOG"
unset SUDO_USER FAKE_EXIT
calls() { wc -l <"$FAKE_LOG" | tr -d ' '; }

# held ARGS... - run preflight held -c $conf; sets out, err, rc
held() {
	out=$("$pf" held -c "$conf" "$@" 2>"$WORKDIR/stderr")
	rc=$?
	err=$(cat "$WORKDIR/stderr")
}

# The log does not exist yet.
held list
tap_is "$rc" 66 "list without a held log: exit 66"
tap_like "$err" "held\.db" "the error names the log"

now=$(date +%s)
findings='[{"id":"format-from-count","category":"format","score":10,"summary":"2 From: headers","remedy":"Write one.","predicted":[{"provider":"gmail","reply":"550-5.7.1 multiple From"}]},{"id":"format-date-missing","category":"format","score":3,"summary":"no Date:","remedy":"Add one.","predicted":[]}]'
ids=
for row in \
	"time=$((now - 5 * 86400)) queue_id=4AbCdEf12 subject=Old from=alice@example.org" \
	"time=$((now - 3600)) queue_id=ABC;rm verdict=hold subject=Hostile" \
	"time=$((now - 1800)) queue_id=5BcDeFg23 subject=ToDelete" \
	"time=$((now - 600)) queue_id=6CdEfGh34 subject=FailingPostsuper" \
	"time=$((now - 60)) queue_id=7DeFgHi45 verdict=tag status=tagged subject=Tagged"; do
	# shellcheck disable=SC2086 # the fields are meant to split
	ids="$ids $("$add" "$db" $row "findings=$findings" score=13 size=2048)"
done
tap_is "$(echo $ids)" "1 2 3 4 5" "store-add wrote five rows"

# list, text and JSON
held list
tap_is "$rc" 0 "list exits 0"
tap_is "$(wc -l <<<"$out" | tr -d ' ')" 6 "list: a header and five rows"
tap_like "$(sed -n 2p <<<"$out")" '^5 .* tag +tagged +7DeFgHi45 ' "list: newest first, with status"
tap_like "$out" 'format-from-count,format-date-missing$' "list: finding ids"
held list --json
tap_is "$(jq -r 'map(.id) | join(" ")' <<<"$out")" "5 4 3 2 1" "list --json: every row, newest first"
tap_is "$(jq -r '.[0] | keys | length' <<<"$out")" 17 "list --json: all 17 fields"
held list --json --status held
tap_is "$(jq -r 'map(.id) | join(" ")' <<<"$out")" "4 3 2 1" "--status held"
held list --json --since 2h
tap_is "$(jq -r 'map(.id) | join(" ")' <<<"$out")" "5 4 3 2" "--since 2h"
held list --json --since "$((now - 700))"
tap_is "$(jq -r 'map(.id) | join(" ")' <<<"$out")" "5 4" "--since EPOCH"
held list --status bogus
tap_is "$rc" 64 "--status with an unknown status: exit 64"
held list --since soon
tap_is "$rc" 64 "--since with a bad value: exit 64"

# show
held show 1
tap_is "$rc" 0 "show exits 0"
tap_like "$out" '^queue id: +4AbCdEf12$' "show: queue id"
tap_like "$out" '^ +"id": "format-from-count",$' "show: findings pretty-printed"
held show 1 --json
tap_is "$(jq -r '.findings[0].predicted[0].provider' <<<"$out")" gmail "show --json: findings as JSON"
held show 99
tap_is "$rc" 1 "show of a missing id: exit 1"

# release: argv exactly -c DIR -H QID, then status released with who
held release 1
tap_is "$rc" 0 "release exits 0"
tap_is "$(cat "$FAKE_LOG")" "[-c][$pfdir][-H][4AbCdEf12]" "postsuper argv: -c DIR -H QID"
held show 1 --json
tap_is "$(jq -r .status <<<"$out")" released "the row is released"
tap_is "$(jq -r .status_by <<<"$out")" "$(id -un)" "status_by is the login name"
tap_is "$(jq -r '.status_time > 0' <<<"$out")" true "status_time is set"
held release 1
tap_is "$rc" 1 "a second release is refused"
tap_like "$err" "already released" "it says already released"
tap_is "$(calls)" 1 "postsuper did not run again"

# a hostile queue id never reaches postsuper
held release 2
tap_is "$rc" 1 "release of queue id 'ABC;rm' is refused"
tap_like "$err" "refusing queue id" "it says why"
tap_is "$(calls)" 1 "postsuper never ran for it"
tap_is "$(sqlite3 "$db" 'SELECT status FROM messages WHERE id = 2')" held "its row stays held"

# delete, with SUDO_USER as the actor and without PostfixConfigDir
: >"$FAKE_LOG"
out=$(SUDO_USER=admin "$pf" held -c "$conf_nodir" delete 3 2>&1)
tap_is "$?" 0 "delete exits 0"
tap_is "$(cat "$FAKE_LOG")" "[-d][5BcDeFg23]" "postsuper argv without PostfixConfigDir: -d QID"
held show 3 --json
tap_is "$(jq -r '.status + " " + .status_by' <<<"$out")" "deleted admin" \
	"the row is deleted, by \$SUDO_USER"

# postsuper failing leaves the row held
out=$(FAKE_EXIT=1 "$pf" held -c "$conf" release 4 2>&1)
tap_is "$?" 1 "release with a failing postsuper: exit 1"
tap_like "$out" "exit status 1" "the error gives postsuper's status"
held show 4 --json
tap_is "$(jq -r .status <<<"$out")" held "the row stays held"

# other refusals and usage errors
held release 5
tap_is "$rc" 1 "release of a tagged (not held) row is refused"
held release
tap_is "$rc" 64 "release without an id: exit 64"
held release abc
tap_is "$rc" 1 "release of a non-numeric id is refused"
held frobnicate
tap_is "$rc" 64 "unknown action: exit 64"
held
tap_is "$rc" 64 "no action: exit 64"
printf 'HeldLog none\n' >"$WORKDIR/none.conf"
"$pf" held -c "$WORKDIR/none.conf" list >/dev/null 2>&1
tap_is "$?" 78 "HeldLog none: exit 78"
out=$("$pf" held --help)
tap_like "$out" "sendmail -qQ -Q -qI" "held --help gives the Sendmail equivalent"

# Stored queue ids that are not queue ids never reach postsuper: each is
# what postsuper would read as "every message" (ALL, - for stdin), a path,
# an option, or shell syntax (no shell runs, but the id must not either).
: >"$FAKE_LOG"
long=$(printf 'A%.0s' $(seq 65))
hostile=("ALL" "-" "../x" "/var/spool/postfix/hold/ABC" "ABC;rm -rf /" '$(id)' ""
	"-d" "ABCDEF ALL" $'ABCDEF\nALL' "ABCDE" "$long" "ABCDEF/../../x" "ABCDEF*")
for q in "${hostile[@]}"; do
	rid=$("$add" "$db" "queue_id=$q" subject=Hostile)
	for action in release delete; do
		held "$action" "$rid"
		shown=$(printf '%q' "$q")
		tap_is "$rc" 1 "$action refuses stored queue id $shown"
	done
	tap_like "$err" "refusing queue id" "the refusal of $shown says why"
	tap_is "$(sqlite3 "$db" "SELECT status FROM messages WHERE id = $rid")" held \
		"the row with queue id $shown stays held"
done
tap_is "$(calls)" 0 "postsuper never ran for any of the ${#hostile[@]} hostile queue ids"

# ... while a valid one, long form included, still goes through, as one argv
rid=$("$add" "$db" queue_id=4Hx9Zq1Wc2zJkLm subject=LongForm)
held release "$rid"
tap_is "$rc" 0 "a long-form queue id is released"
tap_is "$(cat "$FAKE_LOG")" "[-c][$pfdir][-H][4Hx9Zq1Wc2zJkLm]" "postsuper argv: exactly -c DIR -H QID"

# The ids on the command line are row ids (decimal, > 0) and nothing else:
# never a queue id, an option for postsuper, or a second id.
: >"$FAKE_LOG"
for arg in "ALL" "-" "0" "1;id" '$(id)' "1 2" " 1" "+1" "0x1" "1e3" "1.0" "../1" "" \
	"99999999999999999999" "9223372036854775808" "$rid"; do
	held delete "$arg"	# "$rid" is a real row, already released
	tap_is "$rc" 1 "delete refuses row id $(printf '%q' "$arg")"
done
held delete -- -1
tap_is "$rc" 1 "delete refuses row id -1 after --"
held delete -1
tap_is "$rc" 64 "delete -1 is an unknown option: exit 64"
held release -H 1
tap_is "$rc" 64 "release -H (a postsuper option) is an unknown option: exit 64"
tap_is "$(calls)" 0 "postsuper never ran for any of them"

# Stored client data never reaches the admin's terminal raw (ESC, CR, BEL)
rid=$("$add" "$db" queue_id=9TermEsc1 "subject=$(printf 'x\033]0;owned\007y\r\nz')" \
	"from=$(printf 'a\033[31mb')")
held list
tap_is "$(printf '%s' "$out" | tr -d '\n' | tr -dc '\000-\037\177' | wc -c)" 0 \
	"list prints no control byte from the stored subject and From"
held show "$rid"
tap_is "$(printf '%s' "$out" | tr -d '\n' | tr -dc '\000-\037\177' | wc -c)" 0 \
	"show prints no control byte either"

tap_done
