-------------------------- MODULE MultiPaxosTrace --------------------------
(***************************************************************************)
(* Trace validation of Multi-Paxos: is a run of the Go code (a trace of    *)
(* impl/multipaxos in the project's trace format) a behaviour of           *)
(* MultiPaxos.tla?  As PaxosTrace.tla does for single-decree Paxos,        *)
(* `paxoscheck validate` turns each trace into a log Logs[t] of entries, one*)
(* per spec action the trace shows (checker/multipaxos/mpvalidate: the one *)
(* mapping from trace events to spec actions), and TLC follows every log   *)
(* from the initial state.  One Go step may be several spec actions, in   *)
(* order: a leader that gets its quorum of promises sends the 2a of       *)
(* every slot it leads (a Phase2a each), a replica that learns a slot may *)
(* apply several (an Apply each).                                          *)
(*                                                                         *)
(* An entry records what the trace observed, and the spec's state is its  *)
(* own: an acceptor's promise and votes are worked out by Phase1b and      *)
(* Phase2b, and the entry's durable write must equal them (the spec has   *)
(* no crash: an acceptor that writes what it holds before it sends loses  *)
(* nothing to a crash, which is then a stuttering step).  A 1b's reported *)
(* votes must be the spec acceptor's, from the 1a's first slot on.  A     *)
(* proposer keeps only its round on disk, which the spec does not need:   *)
(* at most one 2a per ballot and slot (Phase2a) is what a reused ballot    *)
(* would break.  Its replica's log is lost in a crash, so each life of a  *)
(* proposer is a replica of its own ("P3", then "P3#1" after one crash),  *)
(* starting from slot 1 as every replica does.                             *)
(*                                                                         *)
(* The spec is MultiPaxos.tla with MCMultiPaxos.tla's bug definitions; a   *)
(* trace of buggy code is followed by its bug's spec through the cfg's     *)
(* substitutions (those of its MCMultiPaxosBug... cfg), or by the correct *)
(* spec to see where the bug acts.                                         *)
(***************************************************************************)
EXTENDS MCMultiPaxos, Sequences, TLC

CONSTANT Diagnose \* TRUE: print every state reached, for the report of a rejected log

(***************************************************************************)
(* An entry is a tuple (fields EKind .. EPersist):                         *)
(*   Kind:    "Propose", "Phase1a", "Phase1b", "Phase2a", "Phase2b",       *)
(*            "Apply", or "None" for a step the spec does not see (Go-only *)
(*            messages, replies, the network's drops and duplicates,      *)
(*            crashes and restarts);                                       *)
(*   Acc:     the acceptor it acts at, Rep the replica ("" if none);      *)
(*   Bal:     its ballot (-1 if none);                                     *)
(*   Slot:    its slot (Phase1b: the first slot the 1b reports; 0 if none);*)
(*   Cmd:     its command (None if none);                                  *)
(*   Effect:  an Apply's command took effect: the replica added it to the *)
(*            commands it applied (not a no-op, nor a repeat it skipped); *)
(*   Votes:   a 1b's reported votes, a set of <<slot, bal, cmd>>;          *)
(*   Lost:    a crash cut the step short before it sent: the messages the  *)
(*            spec's action sends are not in the trace;                    *)
(*   Persist: the acceptor's durable write, <<>> for none, else            *)
(*            <<maxBal, its votes as a set of <<slot, bal, cmd>> >>.       *)
(***************************************************************************)
EKind(e) == e[1]
EAcc(e) == e[2]
ERep(e) == e[3]
EBal(e) == e[4]
ESlot(e) == e[5]
ECmd(e) == e[6]
EEffect(e) == e[7]
EVotes(e) == e[8]
ELost(e) == e[9]
EPersist(e) == e[10]

(***************************************************************************)
(* TLC works out every constant definition when it starts, and two would  *)
(* not end at the size of a long trace: MCMultiPaxos's Symmetry (the      *)
(* permutations of every command a trace names) and MultiPaxos's Messages *)
(* (1b messages over every ballot and slot).  Trace validation uses       *)
(* neither; the generated cfg substitutes Unused for both.                 *)
(***************************************************************************)
Unused == {}

VARIABLES
  t,  \* the log being followed
  l   \* the position of its next entry

traceVars == <<vars, t, l>>

(***************************************************************************)
(* VoteSet(f, from): the votes of f (an acceptor's vote[a]) in the slots   *)
(* from `from` on, as a set of <<slot, bal, cmd>>.                         *)
(***************************************************************************)
VoteSet(f, from) == {<<s, f[s].bal, f[s].cmd>> : s \in {s \in Slots : s >= from /\ f[s] # NoVote}}

(***************************************************************************)
(* Act(e): the spec action that explains entry e, pinned to what the      *)
(* trace saw: the 1a's ballot, the 2a's vote, the slot applied and what it *)
(* did (the spec's Effect must agree).                                     *)
(***************************************************************************)
Act(e) ==
  CASE EKind(e) = "Propose" -> Propose(ECmd(e))
    [] EKind(e) = "Phase1a" -> Phase1a(EBal(e))
    [] EKind(e) = "Phase2a" -> Phase2a(EBal(e), ESlot(e), ECmd(e))
    [] EKind(e) = "Phase1b" -> Phase1b(EAcc(e)) /\ maxBal'[EAcc(e)] = EBal(e)
    [] EKind(e) = "Phase2b" -> /\ Phase2b(EAcc(e))
                               /\ vote'[EAcc(e)][ESlot(e)] = [bal |-> EBal(e), cmd |-> ECmd(e)]
    [] EKind(e) = "Apply"   -> /\ Apply(ERep(e))
                               /\ next'[ERep(e)] = ESlot(e) + 1
                               /\ applied'[ERep(e)] = IF EEffect(e) THEN Append(applied[ERep(e)], ECmd(e))
                                                                   ELSE applied[ERep(e)]
    [] OTHER               -> FALSE

(***************************************************************************)
(* Observed(e): what the trace saw of an acceptor's step, which the action *)
(* must match: the votes its 1b reported (unless lost), and its durable    *)
(* write, which must be what it now holds.                                 *)
(***************************************************************************)
Observed(e) ==
  /\ EKind(e) = "Phase1b" /\ ~ELost(e) => VoteSet(vote[EAcc(e)], ESlot(e)) = EVotes(e)
  /\ EAcc(e) # "" => EPersist(e) = <<maxBal'[EAcc(e)], VoteSet(vote'[EAcc(e)], 1)>>

(***************************************************************************)
(* Seen(e): the entry shows nothing the spec's state does not hold        *)
(* already: a stuttering step.                                             *)
(***************************************************************************)
Seen(e) ==
  \/ EKind(e) = "None"
  \/ EKind(e) = "Propose" /\ ECmd(e) \in proposed
  \/ EKind(e) = "Phase1a" /\ [type |-> "1a", bal |-> EBal(e)] \in msgs
  \/ EKind(e) = "Phase2a" /\ [type |-> "2a", bal |-> EBal(e), slot |-> ESlot(e), cmd |-> ECmd(e)] \in msgs

(***************************************************************************)
(* Report prints what `paxoscheck validate` reads back: that log t was     *)
(* followed to its end, and with Diagnose every state on the way.          *)
(***************************************************************************)
Report(Logs, tt, ll, st) ==
  /\ ll > Len(Logs[tt]) => PrintT(<<"paxoscheck-accepted", tt>>)
  /\ Diagnose => PrintT(<<"paxoscheck-state", tt, ll, st>>)

State == [maxBal |-> maxBal, vote |-> [a \in Acceptors |-> VoteSet(vote[a], 1)],
          msgs |-> msgs, proposed |-> proposed, next |-> next, applied |-> applied]

TraceInitFor(Logs) ==
  /\ t \in 1..Len(Logs)
  /\ l = 1
  /\ Init
  /\ Report(Logs, t, l, State)

TraceNextFor(Logs) ==
  /\ l =< Len(Logs[t])
  /\ LET e == Logs[t][l] IN
       \/ Act(e) /\ Observed(e)
       \/ Seen(e) /\ UNCHANGED vars
  /\ l' = l + 1
  /\ UNCHANGED t
  /\ Report(Logs, t, l', State')
=============================================================================
