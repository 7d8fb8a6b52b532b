------------------------------ MODULE MultiPaxos ------------------------------
(***************************************************************************)
(* Multi-Paxos: a replicated log of client commands, in the message-set   *)
(* style of Paxos.tla.  The network is the set msgs of every message ever *)
(* sent.  An acceptor keeps one promise, maxBal, for every slot, and for  *)
(* each slot its vote with the highest ballot.  A leader runs phase 1     *)
(* once, for every slot: the 1b messages report the sender's votes in all *)
(* slots.  Then, slot by slot and for as long as its ballot stands, it    *)
(* sends 2a messages: in a slot where its quorum reported votes, the      *)
(* command of the highest-ballot vote; elsewhere a client's command or a  *)
(* no-op (the Go leader fills holes below its highest reported slot with   *)
(* no-ops; the spec lets any such slot take either).  Replicas apply the  *)
(* chosen commands strictly in slot order, skipping no-ops and commands   *)
(* they have applied already (the Go key-value store's dedup table): a    *)
(* command may be chosen in two slots (a client retried after a leader    *)
(* change), but it takes effect once.                                      *)
(*                                                                         *)
(* The Go implementation is impl/multipaxos; the invariants' Go twins are *)
(* checker/multipaxos/mpinvariant's, tagged "\* Go:" below.               *)
(***************************************************************************)
EXTENDS Integers, FiniteSets, Sequences

CONSTANTS Acceptors, \* the set of acceptors
          Commands,  \* the commands clients may ask for
          Replicas,  \* the replicas that apply the log
          MaxSlot,   \* slots are 1..MaxSlot
          MaxBallot, \* the largest ballot a model explores
          Noop,      \* the no-op a leader fills a hole with
          None       \* "no command": an empty vote, an empty slot

ASSUME /\ Acceptors # {}
       /\ MaxSlot \in Nat \ {0}
       /\ MaxBallot \in Nat
       /\ Noop \notin Commands
       /\ None \notin Commands \cup {Noop}

(***************************************************************************)
(* Slots, ballots and what a slot may hold.  Ballot -1 means "no ballot".  *)
(* As in Paxos.tla, which proposer owns a ballot is left implicit: at most *)
(* one 2a per ballot and slot is sent.                                     *)
(***************************************************************************)
Slots == 1..MaxSlot
Ballots == 0..MaxBallot
Cmds == Commands \cup {Noop}

(***************************************************************************)
(* Majorities: the sets of acceptors any two of which intersect; Quorums: *)
(* those the leader acts upon.                                             *)
(***************************************************************************)
Majorities == {Q \in SUBSET Acceptors : 2 * Cardinality(Q) > Cardinality(Acceptors)}
Quorums == Majorities

(***************************************************************************)
(* A vote in one slot: its ballot and command, or NoVote.                  *)
(***************************************************************************)
NoVote == [bal |-> -1, cmd |-> None]
Votes == [bal : Ballots, cmd : Cmds] \cup {NoVote}

(***************************************************************************)
(* Every message that can be sent.  A 1b reports its sender's votes in    *)
(* every slot.                                                             *)
(***************************************************************************)
Messages ==
       [type : {"1a"}, bal : Ballots]
  \cup [type : {"1b"}, acc : Acceptors, bal : Ballots, votes : [Slots -> Votes]]
  \cup [type : {"2a"}, bal : Ballots, slot : Slots, cmd : Cmds]
  \cup [type : {"2b"}, acc : Acceptors, bal : Ballots, slot : Slots, cmd : Cmds]

-----------------------------------------------------------------------------
VARIABLES
  maxBal,   \* maxBal[a]: the highest ballot a has promised (or voted) in, or -1
  vote,     \* vote[a][s]: a's vote with the highest ballot in slot s, or NoVote
  msgs,     \* the set of all messages ever sent
  proposed, \* the commands clients have asked for
  next,     \* next[r]: the slot replica r applies next
  applied   \* applied[r]: the commands r has applied, in order

vars == <<maxBal, vote, msgs, proposed, next, applied>>

-----------------------------------------------------------------------------
(***************************************************************************)
(* VotedFor(a, b, s, c): acceptor a voted for c in slot s at ballot b.     *)
(***************************************************************************)
VotedFor(a, b, s, c) ==
  [type |-> "2b", acc |-> a, bal |-> b, slot |-> s, cmd |-> c] \in msgs

(***************************************************************************)
(* ChosenAt(b, s, c): a majority voted for c in slot s at ballot b;        *)
(* ChosenIn(s): the commands chosen in slot s (at most one: Agreement).    *)
(* ChosenIn counts the votes of slot s (the same as asking ChosenAt of     *)
(* every ballot and command, and cheaper for TLC).                         *)
(***************************************************************************)
ChosenAt(b, s, c) == \E Q \in Majorities : \A a \in Q : VotedFor(a, b, s, c)
ChosenIn(s) ==
  LET v == {m \in msgs : m.type = "2b" /\ m.slot = s}
  IN  {m.cmd : m \in {m \in v : 2 * Cardinality({w.acc : w \in {w \in v : w.bal = m.bal /\ w.cmd = m.cmd}})
                                  > Cardinality(Acceptors)}}

(***************************************************************************)
(* The chosen log: the state function that refines ReplicatedLog's log.   *)
(* Its CHOOSE is deterministic only while Agreement holds, which the      *)
(* models check on their own: LogRefinement alone does not imply it (a    *)
(* second command chosen in a slot can be a stutter of ChosenLog).         *)
(***************************************************************************)
ChosenLog == [s \in Slots |-> IF ChosenIn(s) = {} THEN None
                               ELSE CHOOSE c \in ChosenIn(s) : TRUE]

(***************************************************************************)
(* Has(seq, c): c occurs in seq.                                           *)
(***************************************************************************)
Has(seq, c) == \E i \in 1..Len(seq) : seq[i] = c

(***************************************************************************)
(* Effect(seq, c): what applying c does to a replica that has applied seq: *)
(* a no-op or a command applied before changes nothing.                    *)
(***************************************************************************)
Effect(seq, c) == IF c = Noop \/ Has(seq, c) THEN seq ELSE Append(seq, c)

(***************************************************************************)
(* ApplyLog(log, n): what applying log's slots 1..n in order gives.        *)
(***************************************************************************)
RECURSIVE ApplyLog(_, _)
ApplyLog(log, n) == IF n = 0 THEN <<>> ELSE Effect(ApplyLog(log, n - 1), log[n])

-----------------------------------------------------------------------------
Init == /\ maxBal = [a \in Acceptors |-> -1]
        /\ vote = [a \in Acceptors |-> [s \in Slots |-> NoVote]]
        /\ msgs = {}
        /\ proposed = {}
        /\ next = [r \in Replicas |-> 1]
        /\ applied = [r \in Replicas |-> <<>>]

Send(m) == msgs' = msgs \cup {m}

(***************************************************************************)
(* Propose(c): a client asks for c.                                        *)
(***************************************************************************)
Propose(c) == /\ c \notin proposed
              /\ proposed' = proposed \cup {c}
              /\ UNCHANGED <<maxBal, vote, msgs, next, applied>>

(***************************************************************************)
(* Phase1a(b): the owner of ballot b starts it, for every slot at once.    *)
(***************************************************************************)
Phase1a(b) == /\ Send([type |-> "1a", bal |-> b])
              /\ UNCHANGED <<maxBal, vote, proposed, next, applied>>

(***************************************************************************)
(* Phase1b(a): acceptor a promises a ballot above its promise and reports *)
(* its votes in every slot.                                                *)
(***************************************************************************)
Phase1b(a) ==
  /\ \E m \in msgs :
       /\ m.type = "1a"
       /\ m.bal > maxBal[a]
       /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
       /\ Send([type |-> "1b", acc |-> a, bal |-> m.bal, votes |-> vote[a]])
  /\ UNCHANGED <<vote, proposed, next, applied>>

(***************************************************************************)
(* Phase2a(b, s, c): the owner of ballot b, with 1b messages of b from a   *)
(* quorum, asks for c in slot s: the command of the highest-ballot vote   *)
(* reported for s, or, where none was, a proposed command or a no-op.     *)
(***************************************************************************)
Phase2a(b, s, c) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b /\ m.slot = s
  /\ \E Q \in Quorums :
       LET Q1b == {m \in msgs : m.type = "1b" /\ m.acc \in Q /\ m.bal = b}
           Rep == {m.votes[s] : m \in Q1b} \ {NoVote}
       IN  /\ \A a \in Q : \E m \in Q1b : m.acc = a
           /\ \/ Rep = {} /\ c \in proposed \cup {Noop}
              \/ \E v \in Rep : /\ v.cmd = c
                                /\ \A w \in Rep : v.bal >= w.bal
  /\ Send([type |-> "2a", bal |-> b, slot |-> s, cmd |-> c])
  /\ UNCHANGED <<maxBal, vote, proposed, next, applied>>

(***************************************************************************)
(* Phase2b(a): acceptor a votes, in a 2a's slot, for its command, at a     *)
(* ballot not below its promise.                                           *)
(***************************************************************************)
Phase2b(a) ==
  /\ \E m \in msgs :
       /\ m.type = "2a"
       /\ m.bal >= maxBal[a]
       /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
       /\ vote' = [vote EXCEPT ![a][m.slot] = [bal |-> m.bal, cmd |-> m.cmd]]
       /\ Send([type |-> "2b", acc |-> a, bal |-> m.bal, slot |-> m.slot, cmd |-> m.cmd])
  /\ UNCHANGED <<proposed, next, applied>>

(***************************************************************************)
(* Apply(r): replica r applies the command chosen in its next slot.        *)
(***************************************************************************)
Apply(r) ==
  /\ next[r] \in Slots
  /\ \E c \in ChosenIn(next[r]) :
       /\ applied' = [applied EXCEPT ![r] = Effect(applied[r], c)]
       /\ next' = [next EXCEPT ![r] = next[r] + 1]
  /\ UNCHANGED <<maxBal, vote, msgs, proposed>>

Next == \/ \E c \in Commands : Propose(c)
        \/ \E b \in Ballots : \/ Phase1a(b)
                              \/ \E s \in Slots, c \in Cmds : Phase2a(b, s, c)
        \/ \E a \in Acceptors : Phase1b(a) \/ Phase2b(a)
        \/ \E r \in Replicas : Apply(r)

Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(***************************************************************************)
(* TypeOK: every variable has the type the comments above give it.         *)
(***************************************************************************)
\* Go: checker/multipaxos/mpinvariant.TypeOK
TypeOK == /\ maxBal \in [Acceptors -> Ballots \cup {-1}]
          /\ vote \in [Acceptors -> [Slots -> Votes]]
          /\ msgs \subseteq Messages
          /\ proposed \subseteq Commands
          /\ next \in [Replicas -> 1..(MaxSlot + 1)]
          /\ \A r \in Replicas : applied[r] \in Seq(Commands)

(***************************************************************************)
(* Agreement: in each slot, at most one command is chosen.                 *)
(***************************************************************************)
\* Go: checker/multipaxos/mpinvariant.Agreement
Agreement == \A s \in Slots : \A c, d \in ChosenIn(s) : c = d

(***************************************************************************)
(* Validity: only a proposed command, or a no-op, is chosen.               *)
(***************************************************************************)
\* Go: checker/multipaxos/mpinvariant.Validity
Validity == \A s \in Slots : ChosenIn(s) \subseteq proposed \cup {Noop}

(***************************************************************************)
(* AppliedInOrder: a replica applies only chosen commands, in slot order   *)
(* and without gaps: what it has applied is the chosen log's first slots   *)
(* applied in order.  (It applies them with Effect, as Apply does: a wrong *)
(* Effect is AppliedOnce's to catch.)                                      *)
(***************************************************************************)
\* Go: checker/multipaxos/mpinvariant.AppliedInOrder
AppliedInOrder ==
  LET log == ChosenLog
  IN  \A r \in Replicas : /\ \A s \in 1..(next[r] - 1) : log[s] # None
                          /\ applied[r] = ApplyLog(log, next[r] - 1)

(***************************************************************************)
(* AppliedPrefix: the replicas' applied logs are prefixes of one another.  *)
(***************************************************************************)
IsPrefix(u, w) == Len(u) =< Len(w) /\ u = SubSeq(w, 1, Len(u))
\* Go: checker/multipaxos/mpinvariant.AppliedPrefix
AppliedPrefix ==
  \A r1, r2 \in Replicas : IsPrefix(applied[r1], applied[r2]) \/ IsPrefix(applied[r2], applied[r1])

(***************************************************************************)
(* AppliedOnce: a replica applies each command at most once.               *)
(***************************************************************************)
\* Go: checker/multipaxos/mpinvariant.AppliedOnce
AppliedOnce ==
  \A r \in Replicas : \A i, j \in 1..Len(applied[r]) : applied[r][i] = applied[r][j] => i = j

-----------------------------------------------------------------------------
(***************************************************************************)
(* Refinement: MultiPaxos implements ReplicatedLog, a log whose slots are *)
(* each written once and never changed, with the log mapped to ChosenLog.  *)
(***************************************************************************)
L == INSTANCE ReplicatedLog WITH Commands <- Cmds, log <- ChosenLog

LogRefinement == L!Spec
=============================================================================
