---------------------------- MODULE MCMultiPaxos ----------------------------
(***************************************************************************)
(* Models of MultiPaxos (cfgs MCMultiPaxos and MCMultiPaxosBug...): model   *)
(* values for the acceptors, commands and replicas, their symmetry, and    *)
(* the definitions the bug cfgs substitute.                                *)
(***************************************************************************)
EXTENDS MultiPaxos, TLC

\* c2 and r2 are for the larger models that TLC cannot finish in CI time
\* (2 commands, 2 replicas: see README).
CONSTANTS a1, a2, a3, c1, c2, r1, r2

(***************************************************************************)
(* Acceptors, commands and replicas are interchangeable: every definition *)
(* of MultiPaxos treats them alike (a no-op is not a command).  For safety *)
(* only.                                                                   *)
(***************************************************************************)
Symmetry == Permutations(Acceptors) \cup Permutations(Commands) \cup Permutations(Replicas)

(***************************************************************************)
(* no-dedup: a replica applies a command each time it is chosen (no dedup *)
(* table).  Substituted for Effect in MCMultiPaxosBugNoDedup: a command    *)
(* chosen in two slots takes effect twice (AppliedOnce).                   *)
(***************************************************************************)
NoDedupEffect(seq, c) == IF c = Noop THEN seq ELSE Append(seq, c)

(***************************************************************************)
(* ignore-reported-vote: the leader asks for any proposed command or a     *)
(* no-op, whatever its quorum reported for the slot.  Substituted for      *)
(* Phase2a in MCMultiPaxosBugIgnoreReportedVote (Agreement).               *)
(***************************************************************************)
IgnoreReportedPhase2a(b, s, c) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b /\ m.slot = s
  /\ \E Q \in Quorums :
       /\ \A a \in Q : \E m \in msgs : m.type = "1b" /\ m.acc = a /\ m.bal = b
       /\ c \in proposed \cup {Noop}
  /\ Send([type |-> "2a", bal |-> b, slot |-> s, cmd |-> c])
  /\ UNCHANGED <<maxBal, vote, proposed, next, applied>>
=============================================================================
