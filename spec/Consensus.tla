----------------------------- MODULE Consensus ------------------------------
(***************************************************************************)
(* What single-decree consensus must do, with no mention of messages or    *)
(* acceptors: the set chosen starts empty, becomes one value, and never    *)
(* changes after that.  Paxos refines it (see ConsensusRefinement in       *)
(* Paxos) with chosen mapped to the set of values a majority voted for in  *)
(* one ballot.                                                             *)
(***************************************************************************)
EXTENDS Naturals, FiniteSets

CONSTANT Values \* the values that may be chosen

VARIABLE chosen \* the set of chosen values

(***************************************************************************)
(* TypeOK: chosen is a set of at most one value.                           *)
(***************************************************************************)
TypeOK == /\ chosen \subseteq Values
          /\ Cardinality(chosen) =< 1

(***************************************************************************)
(* Init: nothing is chosen yet.                                            *)
(***************************************************************************)
Init == chosen = {}

(***************************************************************************)
(* Choose(v): v becomes the one chosen value, if none is chosen yet.       *)
(***************************************************************************)
Choose(v) == /\ chosen = {}
             /\ chosen' = {v}

(***************************************************************************)
(* Next: some value is chosen; every other step leaves chosen alone.       *)
(***************************************************************************)
Next == \E v \in Values : Choose(v)

(***************************************************************************)
(* Spec: the safety specification that Paxos refines.                      *)
(***************************************************************************)
Spec == Init /\ [][Next]_chosen
=============================================================================
