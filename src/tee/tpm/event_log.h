// The TPM's TCG PC Client crypto-agile event log
// (/sys/kernel/security/tpm0/binary_bios_measurements), parsed and replayed into PCR banks by
// the shared TCG event-log parser (tee/eventlog); the verifier (verifier.cc) compares the replay
// with the quoted PCRs.
#pragma once

#include "tee/eventlog/tcg_event_log.h"

namespace cocoon::tee::tpm {

using eventlog::Event;
using eventlog::EventDigest;
using eventlog::EventLog;
using eventlog::EventLogClaims;
using eventlog::EventTypeName;
using eventlog::kEvNoAction;
using eventlog::ParseEventLog;
using eventlog::Replay;

}  // namespace cocoon::tee::tpm
