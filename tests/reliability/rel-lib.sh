# tests/reliability/rel-lib.sh - what test-soak.sh and test-reload.sh
# share: the programs under test and the milter's start and stop.  Source
# after tests/lib.sh, with top_srcdir and top_builddir set; sets ml
# (bench/milterload) and pm (preflight-milter).
#
# rel_require_built - skip the test unless milterload and the milter are built
# rel_start_milter CONF - start the milter; ok once it listens, else the end
# rel_stop_milter - SIGTERM; ok when the milter exits 0

ml=$top_builddir/bench/milterload
pm=$top_builddir/milter/preflight-milter

# rel_require_built - skip the test unless milterload and the milter are built
rel_require_built() {
	[ -x "$ml" ] || tap_skip_all "$ml is not built"
	[ -x "$pm" ] || tap_skip_all "$pm is not built"
}

# _rel_started - the socket is there, or the milter is gone
_rel_started() {
	[ -S "$WORKDIR/pf.sock" ] || ! kill -0 "$mpid" 2>/dev/null
}

# rel_start_milter CONF - start the milter in the foreground mode on CONF
# (its Socket must be unix:$WORKDIR/pf.sock), its log in $WORKDIR/pf.log,
# its pid in mpid, killed at exit; ok once it logs that it listens, else
# not ok and the test ends
rel_start_milter() {
	PREFLIGHT_PROFILE_DIR=$top_srcdir/share/profiles \
	    "$pm" -f -c "$1" 2>"$WORKDIR/pf.log" &
	mpid=$!
	add_cleanup "kill $mpid"
	if wait_until 30 _rel_started && wait_for_log "$WORKDIR/pf.log" "starting .* on unix:" 30; then
		tap_ok "preflight-milter started"
	else
		tap_fail "preflight-milter started" "$(tail -20 "$WORKDIR/pf.log")"
		tap_done
		exit
	fi
}

# rel_stop_milter - SIGTERM to the milter; ok when it exits 0
rel_stop_milter() {
	kill -TERM "$mpid"
	wait "$mpid"
	tap_is "$?" 0 "preflight-milter exits 0 on SIGTERM"
}
