#!/bin/sh
# Registers Partnerflow's Temporal namespace once the server answers; does nothing if it
# exists. Retention is how long a closed partnership's history stays readable (replay
# exports, support questions) before Temporal deletes it.
set -eu
ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
NAMESPACE=${NAMESPACE:-partnerflow}
RETENTION=${NAMESPACE_RETENTION:-720h}

tries=0
until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt 90 ] || { echo "Temporal at $ADDRESS is not healthy" >&2; exit 1; }
  sleep 2
done

if temporal operator namespace describe -n "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create -n "$NAMESPACE" --retention "$RETENTION" --address "$ADDRESS"
fi
