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
(* CodeShaped: an ACTION_CONSTRAINT that keeps a model to steps the Go     *)
(* leader can take (the Go side's Drive runs TLC's traces on the code):   *)
(* a ballot starts only once a command is proposed (a Go proposer times   *)
(* out only while a client waits); a no-op goes only into a hole below a  *)
(* slot whose vote a 1b of its ballot reported; a command gets at most    *)
(* one slot per ballot that no 1b of the ballot reported it in; and a     *)
(* ballot's 2a go out in slot order from slot 1 (stricter than the code,  *)
(* which starts at the first slot its replica has not learned).           *)
(* Not for the correctness models: it narrows what the spec allows.       *)
(***************************************************************************)
Fresh(m) == ~ \E r \in msgs : r.type = "1b" /\ r.bal = m.bal /\ r.votes[m.slot].cmd = m.cmd
CodeShaped ==
  \A m \in msgs' \ msgs :
     /\ m.type = "1a" => proposed # {}
     /\ (m.type = "2a" /\ m.cmd = Noop) =>
          \E r \in msgs : /\ r.type = "1b" /\ r.bal = m.bal
                        /\ \E s \in Slots : s > m.slot /\ r.votes[s] # NoVote
     /\ (m.type = "2a" /\ m.cmd # Noop /\ Fresh(m)) =>
          ~ \E o \in msgs : o.type = "2a" /\ o.bal = m.bal /\ o.cmd = m.cmd /\ Fresh(o)
     /\ m.type = "2a" =>
          \A t \in 1..(m.slot - 1) : \E o \in msgs : o.type = "2a" /\ o.bal = m.bal /\ o.slot = t

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

(***************************************************************************)
(* skip-phase1: a leader asks for a proposed command or a no-op in any    *)
(* slot, with no 1b at all.  For Phase2a in MCMultiPaxosBugSkipPhase1     *)
(* (Agreement).                                                            *)
(***************************************************************************)
SkipPhase1Phase2a(b, s, c) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b /\ m.slot = s
  /\ c \in proposed \cup {Noop}
  /\ Send([type |-> "2a", bal |-> b, slot |-> s, cmd |-> c])
  /\ UNCHANGED <<maxBal, vote, proposed, next, applied>>

(***************************************************************************)
(* adopt-lowest-vote: the leader adopts the lowest-ballot vote reported   *)
(* for a slot.  For Phase2a in MCMultiPaxosBugAdoptLowestVote (Agreement, *)
(* at three ballots).                                                      *)
(***************************************************************************)
AdoptLowestPhase2a(b, s, c) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b /\ m.slot = s
  /\ \E Q \in Quorums :
       LET Q1b == {m \in msgs : m.type = "1b" /\ m.acc \in Q /\ m.bal = b}
           Rep == {m.votes[s] : m \in Q1b} \ {NoVote}
       IN  /\ \A a \in Q : \E m \in Q1b : m.acc = a
           /\ \/ Rep = {} /\ c \in proposed \cup {Noop}
              \/ \E v \in Rep : /\ v.cmd = c
                                /\ \A w \in Rep : v.bal =< w.bal
  /\ Send([type |-> "2a", bal |-> b, slot |-> s, cmd |-> c])
  /\ UNCHANGED <<maxBal, vote, proposed, next, applied>>

(***************************************************************************)
(* per-slot-promise: an acceptor holds its promise only in the slots it   *)
(* has voted in, and votes below it in a fresh slot.  For Phase2b in      *)
(* MCMultiPaxosBugPerSlotPromise (Agreement).                              *)
(***************************************************************************)
PerSlotPromisePhase2b(a) ==
  /\ \E m \in msgs :
       /\ m.type = "2a"
       /\ m.bal >= maxBal[a] \/ vote[a][m.slot] = NoVote
       /\ maxBal' = [maxBal EXCEPT ![a] = IF m.bal > maxBal[a] THEN m.bal ELSE maxBal[a]]
       /\ vote' = [vote EXCEPT ![a][m.slot] = [bal |-> m.bal, cmd |-> m.cmd]]
       /\ Send([type |-> "2b", acc |-> a, bal |-> m.bal, slot |-> m.slot, cmd |-> m.cmd])
  /\ UNCHANGED <<proposed, next, applied>>

(***************************************************************************)
(* apply-before-chosen: a replica applies a command a leader asked for in *)
(* its next slot, chosen or not.  For Apply in                             *)
(* MCMultiPaxosBugApplyBeforeChosen (AppliedInOrder).                      *)
(***************************************************************************)
ApplyBeforeChosen(r) ==
  /\ next[r] \in Slots
  /\ \E m \in msgs :
       /\ m.type = "2a" /\ m.slot = next[r]
       /\ applied' = [applied EXCEPT ![r] = Effect(applied[r], m.cmd)]
       /\ next' = [next EXCEPT ![r] = next[r] + 1]
  /\ UNCHANGED <<maxBal, vote, msgs, proposed>>

(***************************************************************************)
(* no-hole-fill: a replica applies the chosen command of any slot at or   *)
(* above its next one, past a gap.  For Apply in MCMultiPaxosBugNoHoleFill *)
(* (AppliedInOrder).                                                       *)
(***************************************************************************)
ApplyPastGap(r) ==
  /\ \E s \in Slots :
       /\ s >= next[r]
       /\ \E c \in ChosenIn(s) :
            /\ applied' = [applied EXCEPT ![r] = Effect(applied[r], c)]
            /\ next' = [next EXCEPT ![r] = s + 1]
  /\ UNCHANGED <<maxBal, vote, msgs, proposed>>
=============================================================================
