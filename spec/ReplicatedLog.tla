--------------------------- MODULE ReplicatedLog ----------------------------
(***************************************************************************)
(* What a replicated log must do, with no mention of ballots, messages or *)
(* acceptors: a row of slots, each empty at first, each written once with  *)
(* one command and never changed after.  MultiPaxos refines it (see        *)
(* LogRefinement in MultiPaxos) with the log mapped to the commands chosen *)
(* slot by slot.                                                           *)
(***************************************************************************)
EXTENDS Naturals

CONSTANTS Slots,    \* the slots of the log
          Commands, \* what a slot may hold
          None      \* an empty slot: not an element of Commands

VARIABLE log \* log[s]: the command in slot s, or None

(***************************************************************************)
(* TypeOK: every slot holds a command or nothing.                          *)
(***************************************************************************)
TypeOK == log \in [Slots -> Commands \cup {None}]

(***************************************************************************)
(* Init: every slot is empty.                                              *)
(***************************************************************************)
Init == log = [s \in Slots |-> None]

(***************************************************************************)
(* Write(s, c): an empty slot s gets c, for good.                          *)
(***************************************************************************)
Write(s, c) == /\ log[s] = None
               /\ log' = [log EXCEPT ![s] = c]

(***************************************************************************)
(* Next: one empty slot is written; every other step leaves the log alone. *)
(***************************************************************************)
Next == \E s \in Slots, c \in Commands : Write(s, c)

(***************************************************************************)
(* Spec: the safety specification that MultiPaxos refines.                 *)
(***************************************************************************)
Spec == Init /\ [][Next]_log
=============================================================================
