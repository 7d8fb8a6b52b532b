---------------------------- MODULE MCPaxosAnchor ---------------------------
(***************************************************************************)
(* The protocol alone, to compare with Lamport's Paxos.tla of              *)
(* tlaplus/Examples (specifications/Paxos): every value is proposed from   *)
(* the start and there is no learner, so the reachable states are those of *)
(* Lamport's spec with two constant variables (proposed = Values, learned  *)
(* = {}) added.  Lamport's MCPaxos with 3 acceptors, 2 values, ballots     *)
(* 0..2 and the same symmetry has 17,153 distinct states.                  *)
(***************************************************************************)
EXTENDS Paxos, TLC

CONSTANTS a1, a2, a3, v1, v2

(***************************************************************************)
(* As in MCPaxos.                                                          *)
(***************************************************************************)
Symmetry == Permutations({a1, a2, a3}) \cup Permutations({v1, v2})

(***************************************************************************)
(* Paxos's Init, with every value already proposed.                        *)
(***************************************************************************)
AnchorInit == /\ maxBal = [a \in Acceptors |-> -1]
              /\ maxVBal = [a \in Acceptors |-> -1]
              /\ maxVal = [a \in Acceptors |-> None]
              /\ msgs = {}
              /\ proposed = Values
              /\ learned = {}

(***************************************************************************)
(* Paxos's Next without Propose and Learn: Lamport's next-state action.    *)
(***************************************************************************)
AnchorNext == \/ \E b \in Ballots : \/ Phase1a(b)
                                    \/ \E v \in Values : Phase2a(b, v)
              \/ \E a \in Acceptors : Phase1b(a) \/ Phase2b(a)

(***************************************************************************)
(* The specification of the anchor model.                                  *)
(***************************************************************************)
AnchorSpec == AnchorInit /\ [][AnchorNext]_vars
=============================================================================
