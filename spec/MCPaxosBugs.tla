---------------------------- MODULE MCPaxosBugs -----------------------------
(***************************************************************************)
(* Models of PaxosBugs, one cfg per bug (MCBugSkipPrepare,                 *)
(* MCBugIgnorePromisedValue, MCBugPickLowestPromisedValue,                 *)
(* MCBugAcceptBelowPromise).                                               *)
(***************************************************************************)
EXTENDS PaxosBugs, TLC

CONSTANTS a1, a2, a3, v1, v2

(***************************************************************************)
(* The bugs treat acceptors and values alike, as Paxos does.               *)
(***************************************************************************)
Symmetry == Permutations({a1, a2, a3}) \cup Permutations({v1, v2})
=============================================================================
