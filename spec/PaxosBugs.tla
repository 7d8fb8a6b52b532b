----------------------------- MODULE PaxosBugs ------------------------------
(***************************************************************************)
(* Paxos with one known proposer or acceptor bug switched on, for models  *)
(* that TLC must reject.  Each bug replaces one action of Paxos by the     *)
(* wrong one an implementation might write; the names are those of the    *)
(* Go bug catalogue in impl/paxos (see DESIGN.md, "Known bugs").           *)
(*                                                                         *)
(* minority-quorum needs no action here: its model overrides Quorums of    *)
(* Paxos.  The persistence bugs need crashes and live in PaxosCrash.       *)
(* Bug = "none" is correct Paxos: trace validation (PaxosTrace) extends    *)
(* this module and names the bug of the trace it follows, or none.         *)
(***************************************************************************)
EXTENDS Paxos

CONSTANT Bug \* the name of the bug switched on

ASSUME Bug \in {"none", "skip-prepare", "ignore-promised-value",
                "pick-lowest-promised-value", "accept-below-promise",
                "learner-counts-duplicates"}

(***************************************************************************)
(* skip-prepare: the owner of ballot b sends 2a for a proposed value       *)
(* without running phase 1 at all.                                         *)
(***************************************************************************)
Phase2aSkipPrepare(b, v) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b
  /\ v \in proposed
  /\ Send([type |-> "2a", bal |-> b, val |-> v])
  /\ UNCHANGED <<maxBal, maxVBal, maxVal, proposed, learned>>

(***************************************************************************)
(* ignore-promised-value: phase 1 runs, but the proposer sends its own     *)
(* proposed value even when a 1b message reported a vote.                  *)
(***************************************************************************)
Phase2aIgnorePromisedValue(b, v) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b
  /\ \E Q \in Quorums :
       \A a \in Q : \E m \in msgs : m.type = "1b" /\ m.acc = a /\ m.bal = b
  /\ v \in proposed
  /\ Send([type |-> "2a", bal |-> b, val |-> v])
  /\ UNCHANGED <<maxBal, maxVBal, maxVal, proposed, learned>>

(***************************************************************************)
(* pick-lowest-promised-value: as Phase2a, but the proposer takes the      *)
(* value of the reported vote with the lowest, not the highest, ballot.   *)
(***************************************************************************)
Phase2aPickLowest(b, v) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b
  /\ \E Q \in Quorums :
       LET Q1b  == {m \in msgs : m.type = "1b" /\ m.acc \in Q /\ m.bal = b}
           Q1bv == {m \in Q1b : m.mbal >= 0}
       IN  /\ \A a \in Q : \E m \in Q1b : m.acc = a
           /\ \/ Q1bv = {} /\ v \in proposed
              \/ \E m \in Q1bv : /\ m.mval = v
                                 /\ \A mm \in Q1bv : m.mbal =< mm.mbal
  /\ Send([type |-> "2a", bal |-> b, val |-> v])
  /\ UNCHANGED <<maxBal, maxVBal, maxVal, proposed, learned>>

(***************************************************************************)
(* accept-below-promise: the acceptor votes for any 2a message, even one   *)
(* whose ballot is below its promise; it keeps the higher promise.         *)
(***************************************************************************)
Phase2bBelowPromise(a) ==
  /\ \E m \in msgs :
       /\ m.type = "2a"
       /\ maxBal' = [maxBal EXCEPT ![a] = IF m.bal > @ THEN m.bal ELSE @]
       /\ maxVBal' = [maxVBal EXCEPT ![a] = m.bal]
       /\ maxVal' = [maxVal EXCEPT ![a] = m.val]
       /\ Send([type |-> "2b", acc |-> a, bal |-> m.bal, val |-> m.val])
  /\ UNCHANGED <<proposed, learned>>

(***************************************************************************)
(* learner-counts-duplicates: the learner counts every 2b it receives,    *)
(* duplicates included, so a quorum's worth of copies of one acceptor's   *)
(* vote makes it learn.  In the message-set spec, where a message may be  *)
(* received any number of times, one vote for v is then enough.          *)
(***************************************************************************)
LearnCountingDuplicates(v) ==
  /\ v \notin learned
  /\ \E b \in Ballots, a \in Acceptors : VotedFor(a, b, v)
  /\ learned' = learned \cup {v}
  /\ UNCHANGED <<maxBal, maxVBal, maxVal, msgs, proposed>>

(***************************************************************************)
(* BugPhase2a(b, v): the proposer's phase 2a with Bug switched on.         *)
(***************************************************************************)
BugPhase2a(b, v) ==
  CASE Bug = "skip-prepare"               -> Phase2aSkipPrepare(b, v)
    [] Bug = "ignore-promised-value"      -> Phase2aIgnorePromisedValue(b, v)
    [] Bug = "pick-lowest-promised-value" -> Phase2aPickLowest(b, v)
    [] OTHER                              -> Phase2a(b, v)

(***************************************************************************)
(* BugPhase2b(a): the acceptor's phase 2b with Bug switched on.            *)
(***************************************************************************)
BugPhase2b(a) == IF Bug = "accept-below-promise" THEN Phase2bBelowPromise(a)
                                                 ELSE Phase2b(a)

(***************************************************************************)
(* BugLearn(v): the learner's step with Bug switched on.                   *)
(***************************************************************************)
BugLearn(v) == IF Bug = "learner-counts-duplicates" THEN LearnCountingDuplicates(v)
                                                    ELSE Learn(v)

(***************************************************************************)
(* The next-state action of Paxos with Phase2a, Phase2b and Learn         *)
(* replaced.                                                               *)
(***************************************************************************)
BugNext == \/ \E v \in Values : Propose(v) \/ BugLearn(v)
           \/ \E b \in Ballots : \/ Phase1a(b)
                                 \/ \E v \in Values : BugPhase2a(b, v)
           \/ \E a \in Acceptors : Phase1b(a) \/ BugPhase2b(a)

(***************************************************************************)
(* The specification of the buggy system.                                  *)
(***************************************************************************)
BugSpec == Init /\ [][BugNext]_vars
=============================================================================
