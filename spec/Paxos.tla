------------------------------- MODULE Paxos --------------------------------
(***************************************************************************)
(* Single-decree Paxos in the message-set style of "Paxos Made Simple":   *)
(* the network is the set msgs of every message ever sent, so a message   *)
(* may be received any number of times, in any order, or never (loss,     *)
(* duplication and reordering are all implicit).  The acceptor state is   *)
(* maxBal, maxVBal and maxVal, all of it durable.  Clients (Propose) and  *)
(* a learner (Learn) are modelled so that Validity and what the learner   *)
(* reports can be checked.                                                 *)
(*                                                                         *)
(* The Go implementation in impl/paxos mirrors this module action for      *)
(* action, and checker/paxos/invariant mirrors every invariant name for   *)
(* name.  The variants in PaxosBugs and PaxosCrash extend this module.    *)
(***************************************************************************)
EXTENDS Integers, FiniteSets

CONSTANTS Acceptors, \* the set of acceptors
          Values,    \* the values clients may propose
          MaxBallot, \* the largest ballot a model explores
          None       \* "no value": not an element of Values

ASSUME /\ Acceptors # {}
       /\ MaxBallot \in Nat
       /\ None \notin Values

(***************************************************************************)
(* Ballots.  Ballot -1 means "no ballot".  The Go side numbers a ballot   *)
(* Ballot{Round r >= 1, Proposer i}; it maps to the spec ballot           *)
(* (r-1) * NumProposers + i, and the Go "none" ballot maps to -1.  Which   *)
(* proposer owns a ballot is left implicit: the spec only needs that at    *)
(* most one 2a value is sent per ballot (see Phase2a).                     *)
(***************************************************************************)
Ballots == 0..MaxBallot

(***************************************************************************)
(* Majorities: the sets of acceptors any two of which intersect.  Chosen  *)
(* and SafeAt, which say what is true of the system, always count          *)
(* majorities.                                                             *)
(***************************************************************************)
Majorities == {Q \in SUBSET Acceptors : 2 * Cardinality(Q) > Cardinality(Acceptors)}

(***************************************************************************)
(* Quorums: the sets of acceptors the proposer (Phase2a) and the learner  *)
(* (Learn) act upon.  Correct Paxos uses majorities; the minority-quorum   *)
(* model overrides this definition to show what goes wrong otherwise.      *)
(***************************************************************************)
Quorums == Majorities

(***************************************************************************)
(* MinorityQuorums: the quorums of the minority-quorum bug, floor(n/2)     *)
(* acceptors: the proposer and the learner act on too few replies.  Its    *)
(* models (MCBugMinorityQuorum, trace validation) substitute it for        *)
(* Quorums.                                                                *)
(***************************************************************************)
MinorityQuorums == {Q \in SUBSET Acceptors :
                      Cardinality(Q) = Cardinality(Acceptors) \div 2}

(***************************************************************************)
(* Every message that can be sent.  mbal = -1 and mval = None in a 1b      *)
(* message mean that its sender had not voted when it sent it.             *)
(***************************************************************************)
Messages ==
       [type : {"1a"}, bal : Ballots]
  \cup [type : {"1b"}, acc : Acceptors, bal : Ballots,
        mbal : Ballots \cup {-1}, mval : Values \cup {None}]
  \cup [type : {"2a"}, bal : Ballots, val : Values]
  \cup [type : {"2b"}, acc : Acceptors, bal : Ballots, val : Values]

-----------------------------------------------------------------------------
VARIABLES
  maxBal,   \* maxBal[a]: the highest ballot a has promised (or voted) in, or -1
  maxVBal,  \* <<maxVBal[a], maxVal[a]>>: a's vote with the highest ballot,
  maxVal,   \*   or <<-1, None>> if a has not voted
  msgs,     \* the set of all messages ever sent
  proposed, \* the values clients have asked the system to choose
  learned   \* the values the learner has learned

(***************************************************************************)
(* All variables, for stuttering and fairness subscripts.                  *)
(***************************************************************************)
vars == <<maxBal, maxVBal, maxVal, msgs, proposed, learned>>

(***************************************************************************)
(* The acceptor variables, which Phase1a, Phase2a, Propose and Learn       *)
(* leave unchanged.                                                        *)
(***************************************************************************)
accVars == <<maxBal, maxVBal, maxVal>>

-----------------------------------------------------------------------------
(***************************************************************************)
(* VotedFor(a, b, v): acceptor a voted for v in ballot b, i.e. sent the    *)
(* 2b message that records that vote.                                      *)
(***************************************************************************)
VotedFor(a, b, v) == [type |-> "2b", acc |-> a, bal |-> b, val |-> v] \in msgs

(***************************************************************************)
(* ChosenAt(b, v): a majority of acceptors voted for v in ballot b.        *)
(***************************************************************************)
ChosenAt(b, v) == \E Q \in Majorities : \A a \in Q : VotedFor(a, b, v)

(***************************************************************************)
(* Chosen: the set of chosen values.  Correct Paxos keeps it at most a     *)
(* singleton (Agreement); it is the state function that refines            *)
(* Consensus's variable chosen.                                            *)
(***************************************************************************)
Chosen == {v \in Values : \E b \in Ballots : ChosenAt(b, v)}

(***************************************************************************)
(* SafeAt(b, v), as in Lamport's Voting: no value other than v has been   *)
(* or ever can be chosen in any ballot c < b, because a majority has, for  *)
(* each such c, voted for v in c or promised a higher ballot (maxBal[a] >  *)
(* c) without voting in c.  It relies on maxBal only growing.              *)
(***************************************************************************)
SafeAt(b, v) ==
  \A c \in 0..(b - 1) :
    \E Q \in Majorities :
      \A a \in Q : \/ VotedFor(a, c, v)
                   \/ /\ maxBal[a] > c
                      /\ ~ \E w \in Values : VotedFor(a, c, w)

-----------------------------------------------------------------------------
(***************************************************************************)
(* The initial state: no promise, no vote, no message, nothing proposed   *)
(* or learned.                                                             *)
(***************************************************************************)
Init == /\ maxBal = [a \in Acceptors |-> -1]
        /\ maxVBal = [a \in Acceptors |-> -1]
        /\ maxVal = [a \in Acceptors |-> None]
        /\ msgs = {}
        /\ proposed = {}
        /\ learned = {}

(***************************************************************************)
(* Send(m): add m to the set of sent messages.                             *)
(***************************************************************************)
Send(m) == msgs' = msgs \cup {m}

(***************************************************************************)
(* Propose(v): a client asks for v (Go trace event Invoke).                *)
(***************************************************************************)
Propose(v) == /\ v \notin proposed
              /\ proposed' = proposed \cup {v}
              /\ UNCHANGED <<maxBal, maxVBal, maxVal, msgs, learned>>

(***************************************************************************)
(* Phase1a(b): the owner of ballot b starts it (in Go, on a proposer       *)
(* timeout) by sending a 1a message.                                       *)
(***************************************************************************)
Phase1a(b) == /\ Send([type |-> "1a", bal |-> b])
              /\ UNCHANGED <<maxBal, maxVBal, maxVal, proposed, learned>>

(***************************************************************************)
(* Phase1b(a): acceptor a receives a 1a message of a ballot higher than    *)
(* its promise, promises that ballot and replies with its latest vote.     *)
(***************************************************************************)
Phase1b(a) ==
  /\ \E m \in msgs :
       /\ m.type = "1a"
       /\ m.bal > maxBal[a]
       /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
       /\ Send([type |-> "1b", acc |-> a, bal |-> m.bal,
                mbal |-> maxVBal[a], mval |-> maxVal[a]])
  /\ UNCHANGED <<maxVBal, maxVal, proposed, learned>>

(***************************************************************************)
(* Phase2a(b, v): the owner of ballot b, having 1b messages of ballot b    *)
(* from a quorum Q, asks the acceptors to vote for v in b.  If a member of *)
(* Q reported a vote, v is the value of the vote with the highest ballot; *)
(* otherwise v is any value a client proposed.  Only one 2a is sent per    *)
(* ballot (its owner picks once).                                          *)
(***************************************************************************)
Phase2a(b, v) ==
  /\ ~ \E m \in msgs : m.type = "2a" /\ m.bal = b
  /\ \E Q \in Quorums :
       LET Q1b  == {m \in msgs : m.type = "1b" /\ m.acc \in Q /\ m.bal = b}
           Q1bv == {m \in Q1b : m.mbal >= 0}
       IN  /\ \A a \in Q : \E m \in Q1b : m.acc = a
           /\ \/ Q1bv = {} /\ v \in proposed
              \/ \E m \in Q1bv : /\ m.mval = v
                                 /\ \A mm \in Q1bv : m.mbal >= mm.mbal
  /\ Send([type |-> "2a", bal |-> b, val |-> v])
  /\ UNCHANGED <<maxBal, maxVBal, maxVal, proposed, learned>>

(***************************************************************************)
(* Phase2b(a): acceptor a receives a 2a message of a ballot not below its  *)
(* promise, votes for its value and announces the vote with a 2b message. *)
(***************************************************************************)
Phase2b(a) ==
  /\ \E m \in msgs :
       /\ m.type = "2a"
       /\ m.bal >= maxBal[a]
       /\ maxBal' = [maxBal EXCEPT ![a] = m.bal]
       /\ maxVBal' = [maxVBal EXCEPT ![a] = m.bal]
       /\ maxVal' = [maxVal EXCEPT ![a] = m.val]
       /\ Send([type |-> "2b", acc |-> a, bal |-> m.bal, val |-> m.val])
  /\ UNCHANGED <<proposed, learned>>

(***************************************************************************)
(* Learn(v): the learner has 2b messages for v of one ballot from a quorum *)
(* and learns v (in Go, when it handles the 2b that completes the quorum;  *)
(* the client's Return follows).                                           *)
(***************************************************************************)
Learn(v) ==
  /\ v \notin learned
  /\ \E b \in Ballots, Q \in Quorums : \A a \in Q : VotedFor(a, b, v)
  /\ learned' = learned \cup {v}
  /\ UNCHANGED <<maxBal, maxVBal, maxVal, msgs, proposed>>

(***************************************************************************)
(* The next-state action: any step of any client, proposer, acceptor or    *)
(* the learner.                                                            *)
(***************************************************************************)
Next == \/ \E v \in Values : Propose(v) \/ Learn(v)
        \/ \E b \in Ballots : \/ Phase1a(b)
                              \/ \E v \in Values : Phase2a(b, v)
        \/ \E a \in Acceptors : Phase1b(a) \/ Phase2b(a)

(***************************************************************************)
(* The safety specification: no fairness, so nothing need ever happen.     *)
(***************************************************************************)
Spec == Init /\ [][Next]_vars

-----------------------------------------------------------------------------
(***************************************************************************)
(* Liveness.  As argued in "Paxos Made Simple" (section 2.4), progress     *)
(* needs a single distinguished proposer whose ballot is not preempted and *)
(* a majority of acceptors that hear from it.  The distinguished ballot is *)
(* MaxBallot (no higher ballot exists to preempt it); LeaderAcceptors is a *)
(* majority whose steps (delivery of 1a and 2a messages to them) are not   *)
(* lost forever.  Some client proposes, and the learner keeps listening.   *)
(***************************************************************************)
LeaderAcceptors == CHOOSE Q \in Majorities :
                     \A Q2 \in Majorities : Cardinality(Q) =< Cardinality(Q2)

(***************************************************************************)
(* The fairness condition described above.                                 *)
(***************************************************************************)
Fairness == /\ WF_vars(\E v \in Values : Propose(v))
            /\ WF_vars(Phase1a(MaxBallot))
            /\ WF_vars(\E v \in Values : Phase2a(MaxBallot, v))
            /\ \A a \in LeaderAcceptors : WF_vars(Phase1b(a) \/ Phase2b(a))
            /\ WF_vars(\E v \in Values : Learn(v))

(***************************************************************************)
(* The specification with fairness.                                        *)
(***************************************************************************)
LiveSpec == Spec /\ Fairness

(***************************************************************************)
(* Under LiveSpec a value is eventually chosen ...                         *)
(***************************************************************************)
EventuallyChosen == <>(Chosen # {})

(***************************************************************************)
(* ... and eventually learned.                                             *)
(***************************************************************************)
EventuallyLearned == <>(learned # {})

-----------------------------------------------------------------------------
(***************************************************************************)
(* Refinement: Paxos implements Consensus with chosen mapped to Chosen.    *)
(***************************************************************************)
C == INSTANCE Consensus WITH chosen <- Chosen

(***************************************************************************)
(* The refinement as a property for TLC.                                   *)
(***************************************************************************)
ConsensusRefinement == C!Spec

-----------------------------------------------------------------------------
(***************************************************************************)
(* TypeOK: every variable has the type the comments above give it.         *)
(***************************************************************************)
\* Go: checker/paxos/invariant.TypeOK
TypeOK == /\ maxBal \in [Acceptors -> Ballots \cup {-1}]
          /\ maxVBal \in [Acceptors -> Ballots \cup {-1}]
          /\ maxVal \in [Acceptors -> Values \cup {None}]
          /\ msgs \subseteq Messages
          /\ proposed \subseteq Values
          /\ learned \subseteq Values

(***************************************************************************)
(* AccInv: an acceptor's vote is not above its promise, "no vote" is       *)
(* <<-1, None>>, its latest vote was announced by a 2b message, and it     *)
(* announced no vote of a higher ballot.                                   *)
(***************************************************************************)
\* Go: checker/paxos/invariant.AccInv
AccInv ==
  \A a \in Acceptors :
    /\ maxVBal[a] =< maxBal[a]
    /\ (maxVBal[a] = -1) <=> (maxVal[a] = None)
    /\ maxVBal[a] >= 0 => VotedFor(a, maxVBal[a], maxVal[a])
    /\ \A m \in msgs : m.type = "2b" /\ m.acc = a => m.bal =< maxVBal[a]

(***************************************************************************)
(* Msg1bInv: a 1b message's ballot is not above its sender's promise, and  *)
(* the vote it reports was really cast.                                    *)
(***************************************************************************)
\* Go: checker/paxos/invariant.Msg1bInv
Msg1bInv ==
  \A m \in msgs :
    m.type = "1b" => /\ m.bal =< maxBal[m.acc]
                     /\ m.mbal >= 0 => VotedFor(m.acc, m.mbal, m.mval)

(***************************************************************************)
(* Msg2aInv: a 2a message asks only for a value safe at its ballot.        *)
(***************************************************************************)
\* Go: checker/paxos/invariant.Msg2aInv
Msg2aInv == \A m \in msgs : m.type = "2a" => SafeAt(m.bal, m.val)

(***************************************************************************)
(* Msg2bInv: a vote is not above its voter's promise and follows a 2a      *)
(* message of the same ballot and value.                                   *)
(***************************************************************************)
\* Go: checker/paxos/invariant.Msg2bInv
Msg2bInv ==
  \A m \in msgs :
    m.type = "2b" => /\ m.bal =< maxBal[m.acc]
                     /\ [type |-> "2a", bal |-> m.bal, val |-> m.val] \in msgs

(***************************************************************************)
(* PromiseKept: a 1b message of ballot b from a reports a's latest vote    *)
(* below b for good: a never votes in a ballot between m.mbal and b, and   *)
(* its vote in m.mbal is m.mval.                                           *)
(***************************************************************************)
\* Go: checker/paxos/invariant.PromiseKept
PromiseKept ==
  \A m1 \in msgs, m2 \in msgs :
    /\ m1.type = "1b"
    /\ m2.type = "2b"
    /\ m2.acc = m1.acc
    /\ m2.bal < m1.bal
    => /\ m2.bal =< m1.mbal
       /\ m2.bal = m1.mbal => m2.val = m1.mval

(***************************************************************************)
(* OneValuePerBallot: no two 2a messages, and no two votes, of one ballot  *)
(* carry different values.                                                 *)
(***************************************************************************)
\* Go: checker/paxos/invariant.OneValuePerBallot
OneValuePerBallot ==
  \A m1 \in msgs, m2 \in msgs :
    /\ m1.type = m2.type
    /\ m1.type \in {"2a", "2b"}
    /\ m1.bal = m2.bal
    => m1.val = m2.val

(***************************************************************************)
(* VotesSafe: every vote is for a value safe at its ballot.                *)
(***************************************************************************)
\* Go: checker/paxos/invariant.VotesSafe
VotesSafe == \A m \in msgs : m.type = "2b" => SafeAt(m.bal, m.val)

(***************************************************************************)
(* Agreement: at most one value is chosen.                                 *)
(***************************************************************************)
\* Go: checker/paxos/invariant.Agreement
Agreement == \A v, w \in Chosen : v = w

(***************************************************************************)
(* Validity: only a proposed value can be chosen.                          *)
(***************************************************************************)
\* Go: checker/paxos/invariant.Validity
Validity == Chosen \subseteq proposed

(***************************************************************************)
(* LearnedChosen: the learner learns only chosen values.                   *)
(***************************************************************************)
\* Go: checker/paxos/invariant.LearnedChosen
LearnedChosen == learned \subseteq Chosen

(***************************************************************************)
(* Inv: the inductive invariant, for documentation: the conjunction of the *)
(* parts above that implies Agreement, Validity and LearnedChosen.  The    *)
(* unnamed conjunct (every 2a value was proposed) is what makes Validity  *)
(* inductive; the models check the named parts one by one so that TLC     *)
(* says which part breaks.                                                 *)
(***************************************************************************)
Inv == /\ TypeOK
       /\ AccInv
       /\ Msg1bInv
       /\ Msg2aInv
       /\ Msg2bInv
       /\ PromiseKept
       /\ OneValuePerBallot
       /\ VotesSafe
       /\ \A m \in msgs : m.type = "2a" => m.val \in proposed
       /\ LearnedChosen

THEOREM Spec => []Inv
THEOREM Spec => [](Agreement /\ Validity /\ LearnedChosen)
THEOREM Spec => ConsensusRefinement
THEOREM LiveSpec => EventuallyChosen /\ EventuallyLearned
=============================================================================
