----------------------------- MODULE PaxosTrace -----------------------------
(***************************************************************************)
(* Trace validation: is a run of the Go code (a trace in the project's     *)
(* trace format) a behaviour of the spec?  `paxoscheck validate` turns     *)
(* each trace into a log L[t]: a sequence of entries, one per spec action  *)
(* the trace shows (checker/paxos/tlcvalidate: the one mapping from trace  *)
(* events to spec actions), and asks TLC to follow every log from the      *)
(* initial state.  The logs are the argument L of TraceInitFor and         *)
(* TraceNextFor: the module paxoscheck writes defines them as a constant   *)
(* and the spec as TraceInitFor(TLogs) /\ [][TraceNextFor(TLogs)]_...,     *)
(* which TLC evaluates once (a CONSTANT substituted in the cfg would be    *)
(* evaluated again at every step).  A log is a behaviour of the spec when *)
(* TLC reaches its end; the first entry no action explains is where TLC   *)
(* stops.                                                                  *)
(*                                                                         *)
(* An entry records what the trace observed of a step, not the state the  *)
(* code reached: the spec messages it sent, the value it proposed or      *)
(* learned, an acceptor's durable write.  The acceptor state the spec     *)
(* keeps (maxBal, maxVBal, maxVal) is the spec's own, worked out by its   *)
(* actions, so that a trace edited by hand (an acceptor voting below its  *)
(* promise) is judged by the spec, not by the code that would not produce *)
(* it.  Messages a step would have sent when a crash cut it short (a      *)
(* mid-step crash) are not in the trace: the spec's action chooses them,  *)
(* as the spec counts them sent and lost.                                 *)
(*                                                                         *)
(* The module follows Paxos with acceptor crashes (PaxosCrash) and the     *)
(* known bugs (PaxosBugs): with Bug = "none", NotPersisted = {} and        *)
(* Quorums the majorities it is correct Paxos; a trace of buggy code is    *)
(* followed by the spec of its bug, or by the correct spec to see where   *)
(* the bug acts.                                                           *)
(***************************************************************************)
EXTENDS PaxosCrash, PaxosBugs, Sequences, TLC

CONSTANT Diagnose \* TRUE: print every state reached, for the report of a rejected log

(***************************************************************************)
(* L[t] is the sequence of entries of trace t.  An entry is a tuple, so    *)
(* that a log of thousands of traces stays small for TLC to parse; its    *)
(* fields (EKind .. EPersist below):                                       *)
(*   Kind:    the spec action that explains it ("Propose", "Phase1a",     *)
(*            "Phase1b", "Phase2a", "Phase2b", "Learn", "Crash"), or       *)
(*            "None" for a step the spec does not see (Go-only messages,   *)
(*            the network's drops and duplicates, restarts);              *)
(*   Acc:     the acceptor it acts at ("" if none);                       *)
(*   Bal, Val: its ballot and value (-1 and None if none);                *)
(*   Sent:    the spec messages the step sent (M1a .. M2b below);         *)
(*   Lost:    the step's messages were lost to a crash and are not in the *)
(*            trace (the spec's action chooses them);                     *)
(*   Persist: the acceptor's durable write, <<>> for none, else           *)
(*            <<maxBal, maxVBal, maxVal>>.                                 *)
(* The trace step each entry comes from is paxoscheck's to know.          *)
(***************************************************************************)
EKind(e) == e[1]
EAcc(e) == e[2]
EBal(e) == e[3]
EVal(e) == e[4]
ESent(e) == e[5]
ELost(e) == e[6]
EPersist(e) == e[7]

M1a(b) == [type |-> "1a", bal |-> b]
M1b(a, b, mb, mv) == [type |-> "1b", acc |-> a, bal |-> b, mbal |-> mb, mval |-> mv]
M2a(b, v) == [type |-> "2a", bal |-> b, val |-> v]
M2b(a, b, v) == [type |-> "2b", acc |-> a, bal |-> b, val |-> v]

VARIABLES
  t,  \* the log being followed
  l   \* the position of its next entry

traceVars == <<crashVars, t, l>>


Durable(a) == <<dMaxBal[a], dMaxVBal[a], dMaxVal[a]>>
Volatile(a) == <<maxBal[a], maxVBal[a], maxVal[a]>>

(***************************************************************************)
(* The acceptor's phase 2b of the bug (accept-below-promise), with its     *)
(* durable write (or not: accept-not-persisted).                           *)
(***************************************************************************)
TracePhase2b(a) == BugPhase2b(a) /\ PersistUnless("accept-not-persisted", a)

(***************************************************************************)
(* Act(e): the spec action that explains entry e.                          *)
(***************************************************************************)
Act(e) ==
  CASE EKind(e) = "Propose" -> Propose(EVal(e)) /\ UNCHANGED durableVars
    [] EKind(e) = "Phase1a" -> Phase1a(EBal(e)) /\ UNCHANGED durableVars
    [] EKind(e) = "Phase2a" -> BugPhase2a(EBal(e), EVal(e)) /\ UNCHANGED durableVars
    [] EKind(e) = "Learn"   -> BugLearn(EVal(e)) /\ UNCHANGED durableVars
    [] EKind(e) = "Phase1b" -> CrashPhase1b(EAcc(e))
    [] EKind(e) = "Phase2b" -> TracePhase2b(EAcc(e))
    [] EKind(e) = "Crash"   -> Crash(EAcc(e))
    [] OTHER               -> FALSE

(***************************************************************************)
(* Observed(e): what the trace saw of the step, which the action must      *)
(* match: the messages sent (unless lost), and an acceptor's durable       *)
(* write, or that it wrote nothing.                                        *)
(***************************************************************************)
Observed(e) ==
  /\ ~ELost(e) => msgs' = msgs \cup ESent(e)
  /\ EAcc(e) # "" =>
       IF EPersist(e) = <<>>
         THEN UNCHANGED durableVars
         ELSE <<dMaxBal'[EAcc(e)], dMaxVBal'[EAcc(e)], dMaxVal'[EAcc(e)]>> = EPersist(e)

(***************************************************************************)
(* Seen(e): the entry shows nothing the spec's state does not hold         *)
(* already, so it is a stuttering step: a Go-only event, a value proposed  *)
(* or learned again, a message sent again, a crash that loses nothing.    *)
(***************************************************************************)
Seen(e) ==
  /\ ESent(e) \subseteq msgs
  /\ EKind(e) = "Propose" => EVal(e) \in proposed
  /\ EKind(e) = "Learn" => EVal(e) \in learned
  /\ EKind(e) = "Crash" => Volatile(EAcc(e)) = Durable(EAcc(e))
  /\ EAcc(e) # "" /\ EPersist(e) # <<>> => Durable(EAcc(e)) = EPersist(e)
  /\ EKind(e) \in {"Phase1b", "Phase2b"} /\ ELost(e) => EPersist(e) = <<>>

(***************************************************************************)
(* Report prints what `paxoscheck validate` reads back: that log t was     *)
(* followed to its end, and with Diagnose every state on the way.          *)
(***************************************************************************)
Report(L, tt, ll, st) ==
  /\ ll > Len(L[tt]) => PrintT(<<"paxoscheck-accepted", tt>>)
  /\ Diagnose => PrintT(<<"paxoscheck-state", tt, ll, st>>)

State == [maxBal |-> maxBal, maxVBal |-> maxVBal, maxVal |-> maxVal, msgs |-> msgs,
          proposed |-> proposed, learned |-> learned,
          dMaxBal |-> dMaxBal, dMaxVBal |-> dMaxVBal, dMaxVal |-> dMaxVal]

TraceInitFor(L) ==
  /\ t \in 1..Len(L)
  /\ l = 1
  /\ CrashInit
  /\ Report(L, t, l, State)

TraceNextFor(L) ==
  /\ l =< Len(L[t])
  /\ LET e == L[t][l] IN
       \/ Act(e) /\ Observed(e)
       \/ Seen(e) /\ UNCHANGED crashVars
  /\ l' = l + 1
  /\ UNCHANGED t
  /\ Report(L, t, l', State')
=============================================================================
