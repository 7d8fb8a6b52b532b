------------------------------ MODULE MCPaxos -------------------------------
(***************************************************************************)
(* Models of Paxos (cfgs MCPaxos, MCPaxosLiveness, MCPaxosNoFairness,      *)
(* MCBugMinorityQuorum): model values for the acceptors and values, and    *)
(* the definitions the cfgs substitute.                                    *)
(***************************************************************************)
EXTENDS Paxos, TLC

CONSTANTS a1, a2, a3, v1, v2

(***************************************************************************)
(* Acceptors and values are interchangeable: every definition of Paxos     *)
(* treats them alike, so TLC may identify states that differ by a          *)
(* permutation of either.  Used for safety only (TLC cannot soundly        *)
(* combine symmetry with liveness checking).                               *)
(***************************************************************************)
Symmetry == Permutations({a1, a2, a3}) \cup Permutations({v1, v2})
=============================================================================
