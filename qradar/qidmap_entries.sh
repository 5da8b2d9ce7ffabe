#!/bin/sh
# Creates rollcall's two QID map entries on the QRadar console (run as root there).
#
# Uses the documented `qidmap_cli.sh -c` form (IBM: "Creating a QID map entry"). Each command
# prints the new QID record; the mapping from rollcall's LEEF EventID + Category to these
# records is then made in the DSM Editor (see README.md, step 3).
#
# Low-level categories (IBM "Recon" categories): 1006 = Windows Reconnaissance,
# 1011 = Misc Reconnaissance Event. Check them on your console with `qidmap_cli.sh -l`.
set -eu
QIDMAP=${QIDMAP:-/opt/qradar/bin/qidmap_cli.sh}

"$QIDMAP" -c \
  --qname "Rollcall: Account enumeration (T1589)" \
  --qdescription "Many distinct usernames failed to authenticate from one source (MITRE ATT&CK T1589, Reconnaissance). Reported by rollcall." \
  --severity 7 \
  --lowlevelcategoryid 1006

"$QIDMAP" -c \
  --qname "Rollcall: Test event" \
  --qdescription "Test event sent by 'rollcall send-test-event' to check the path from rollcall to QRadar. Not an attack." \
  --severity 1 \
  --lowlevelcategoryid 1011
