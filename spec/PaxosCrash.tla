----------------------------- MODULE PaxosCrash -----------------------------
(***************************************************************************)
(* Paxos with acceptor crashes.  Each acceptor keeps a durable copy of its *)
(* state (dMaxBal, dMaxVBal, dMaxVal); Crash(a) stands for a crash and the *)
(* restart that follows it: the volatile state is lost and reloaded from   *)
(* the durable copy.  Correct Paxos persists the whole acceptor state      *)
(* before it sends the 1b or 2b message of the same step (DESIGN.md, "The  *)
(* deterministic core"), so Crash changes nothing.  The persistence bugs   *)
(* of the Go catalogue send without persisting:                            *)
(*                                                                         *)
(*   promise-not-persisted: Phase1b replies before the promise is durable  *)
(*   accept-not-persisted:  Phase2b replies before the vote is durable     *)
(*                                                                         *)
(* A step that skips its write may be followed by a crash before any later *)
(* write, which is the window the bug opens.  A later correct write        *)
(* persists the acceptor's whole state, as the Go storage does.            *)
(***************************************************************************)
EXTENDS Paxos

CONSTANT NotPersisted \* the set of persistence bugs switched on

ASSUME NotPersisted \subseteq {"promise-not-persisted", "accept-not-persisted"}

VARIABLES
  dMaxBal,  \* dMaxBal[a]: the durable copy of maxBal[a]
  dMaxVBal, \* dMaxVBal[a]: the durable copy of maxVBal[a]
  dMaxVal   \* dMaxVal[a]: the durable copy of maxVal[a]

(***************************************************************************)
(* The durable variables.                                                  *)
(***************************************************************************)
durableVars == <<dMaxBal, dMaxVBal, dMaxVal>>

(***************************************************************************)
(* All variables of this module.                                           *)
(***************************************************************************)
crashVars == <<vars, durableVars>>

(***************************************************************************)
(* CrashTypeOK: the durable copies have the types of the volatile state.   *)
(***************************************************************************)
CrashTypeOK == /\ dMaxBal \in [Acceptors -> Ballots \cup {-1}]
               /\ dMaxVBal \in [Acceptors -> Ballots \cup {-1}]
               /\ dMaxVal \in [Acceptors -> Values \cup {None}]

(***************************************************************************)
(* Initially the durable state is the initial acceptor state.              *)
(***************************************************************************)
CrashInit == /\ Init
             /\ dMaxBal = maxBal
             /\ dMaxVBal = maxVBal
             /\ dMaxVal = maxVal

(***************************************************************************)
(* Persist(a): write acceptor a's new state to its durable copy.           *)
(***************************************************************************)
Persist(a) == /\ dMaxBal' = [dMaxBal EXCEPT ![a] = maxBal'[a]]
              /\ dMaxVBal' = [dMaxVBal EXCEPT ![a] = maxVBal'[a]]
              /\ dMaxVal' = [dMaxVal EXCEPT ![a] = maxVal'[a]]

(***************************************************************************)
(* PersistUnless(bug, a): Persist(a), unless the bug skips the write.      *)
(***************************************************************************)
PersistUnless(bug, a) == IF bug \in NotPersisted THEN UNCHANGED durableVars
                                                 ELSE Persist(a)

(***************************************************************************)
(* CrashPhase1b(a): Phase1b with its durable write.                        *)
(***************************************************************************)
CrashPhase1b(a) == Phase1b(a) /\ PersistUnless("promise-not-persisted", a)

(***************************************************************************)
(* CrashPhase2b(a): Phase2b with its durable write.                        *)
(***************************************************************************)
CrashPhase2b(a) == Phase2b(a) /\ PersistUnless("accept-not-persisted", a)

(***************************************************************************)
(* Crash(a): acceptor a crashes and restarts (Go trace events Crash and    *)
(* Restart): its state becomes its durable copy.  Enabled only when that   *)
(* changes something, so it is never enabled in correct Paxos.            *)
(***************************************************************************)
Crash(a) ==
  /\ <<maxBal[a], maxVBal[a], maxVal[a]>> # <<dMaxBal[a], dMaxVBal[a], dMaxVal[a]>>
  /\ maxBal' = [maxBal EXCEPT ![a] = dMaxBal[a]]
  /\ maxVBal' = [maxVBal EXCEPT ![a] = dMaxVBal[a]]
  /\ maxVal' = [maxVal EXCEPT ![a] = dMaxVal[a]]
  /\ UNCHANGED <<msgs, proposed, learned, durableVars>>

(***************************************************************************)
(* The next-state action: Paxos's, with durable writes, and crashes.       *)
(***************************************************************************)
CrashNext ==
  \/ /\ \/ \E v \in Values : Propose(v) \/ Learn(v)
        \/ \E b \in Ballots : \/ Phase1a(b)
                              \/ \E v \in Values : Phase2a(b, v)
     /\ UNCHANGED durableVars
  \/ \E a \in Acceptors : \/ CrashPhase1b(a)
                          \/ CrashPhase2b(a)
                          \/ Crash(a)

(***************************************************************************)
(* The specification of Paxos with crashes.                                *)
(***************************************************************************)
CrashSpec == CrashInit /\ [][CrashNext]_crashVars
=============================================================================
