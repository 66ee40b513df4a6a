/*
 * held_mta - act on a held message in the MTA's queue for `preflight held`:
 * Postfix (postsuper) or Sendmail (its quarantine), by the MTA key.
 *
 * The queue id must already be checked (letters and digits only): it
 * goes into an argv array (fork+execv, never a shell) or, for Sendmail's
 * delete, into a file name in the queue directory.
 */
#ifndef PF_HELD_MTA_H
#define PF_HELD_MTA_H

#include <stdbool.h>

#include "config.h"

/* held_mta_act - release (back to delivery) or delete the held message
 * qid; 0 when done, -1 after a message on stderr */
int held_mta_act(const struct config *cfg, bool release, const char *qid);

#endif
