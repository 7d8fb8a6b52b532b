------------------------------ MODULE MCPaxos -------------------------------
(***************************************************************************)
(* The main model of Paxos: 3 acceptors, 2 values, ballots 0..2, every     *)
(* invariant and the refinement of Consensus.                              *)
(***************************************************************************)
EXTENDS Paxos, TLC

CONSTANTS a1, a2, a3, v1, v2

(***************************************************************************)
(* Acceptors and values are interchangeable: every definition of Paxos     *)
(* treats them alike, so TLC may identify states that differ by a          *)
(* permutation of either.                                                  *)
(***************************************************************************)
Symmetry == Permutations({a1, a2, a3}) \cup Permutations({v1, v2})
=============================================================================
