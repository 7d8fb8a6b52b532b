package paxostrace

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces"
)

// TextOptions controls RenderText.
type TextOptions = traces.TextOptions

// lane is one column of the diagram: a client or a node.
type lane struct {
	name string
	role paxos.Role // 0 for a client
}

// diagram holds what both renderers need: lane names and the durable state
// each node last wrote (shown on Restart).
type diagram struct {
	t       *Trace
	cfg     paxos.Config
	lanes   []lane
	index   map[paxos.NodeID]int // node -> lane
	durable map[paxos.NodeID]paxos.Durable
}

func newDiagram(t *Trace) (*diagram, error) {
	if err := Validate(t); err != nil {
		return nil, err
	}
	cfg, _ := t.Header.Config() // validated above
	d := &diagram{t: t, cfg: cfg, index: map[paxos.NodeID]int{}, durable: map[paxos.NodeID]paxos.Durable{}}
	for _, c := range t.Header.Clients {
		d.lanes = append(d.lanes, lane{name: "C" + strconv.Itoa(int(c.ID))})
	}
	for _, id := range cfg.Nodes() {
		r, _, _ := cfg.RoleOf(id)
		d.index[id] = len(d.lanes)
		d.lanes = append(d.lanes, lane{name: NodeName(r, id), role: r})
	}
	return d, nil
}

// nodeName is A0, P3, L5: the role's initial and the node id.
// NodeName is how every view of a single-decree trace names node id of
// role r: its role's initial and its id, "A0", "P3", "L5" (the diagrams,
// the HTML viewer, replay, trace validation's acceptors).
func NodeName(r paxos.Role, id paxos.NodeID) string {
	return strings.ToUpper(r.String()[:1]) + strconv.Itoa(int(id))
}

func (d *diagram) name(id paxos.NodeID) string {
	if i, ok := d.index[id]; ok {
		return d.lanes[i].name
	}
	return "N" + strconv.Itoa(int(id))
}

func (d *diagram) clientLane(c paxos.ClientID) int { return int(c) }

// showValue prints v bare when it is a plain word, quoted otherwise.
func showValue(v paxos.Value) string {
	if v == paxos.None {
		return "-"
	}
	for _, r := range v {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return strconv.Quote(string(v))
		}
	}
	return string(v)
}

// MessageLabel renders a message's contents as the diagrams show them:
// "1a b=1.0", "1b b=1.0 vbal=-", "1b b=2.0 vbal=1.0 v=x", "2a b=1.0 v=x",
// "nack b=2.1", "decided v=x".
func MessageLabel(m paxos.Message) string {
	switch m.Type {
	case paxos.Msg1a, paxos.MsgNack:
		return m.Type.String() + " b=" + m.Bal.String()
	case paxos.Msg1b:
		s := "1b b=" + m.Bal.String() + " vbal=" + m.VBal.String()
		if !m.VBal.IsZero() || m.Val != paxos.None {
			s += " v=" + showValue(m.Val)
		}
		return s
	case paxos.Msg2a, paxos.Msg2b:
		return m.Type.String() + " b=" + m.Bal.String() + " v=" + showValue(m.Val)
	case paxos.MsgDecided:
		return "decided v=" + showValue(m.Val)
	}
	return m.Type.String()
}

func msgLabel(m *Msg) string { return "#" + strconv.Itoa(m.ID) + " " + MessageLabel(m.Message) }

// durableLabel renders a durable state by the role that owns it.
func durableLabel(r paxos.Role, p paxos.Durable) string {
	if r == paxos.RoleProposer {
		return "round=" + strconv.FormatUint(uint64(p.Round), 10)
	}
	return "maxBal=" + p.MaxBal.String() + " maxVBal=" + p.MaxVBal.String() + " maxVal=" + showValue(p.MaxVal)
}

// describe is the text of a step's row: what happened, in words.
func (d *diagram) describe(s *Step) string {
	var b strings.Builder
	b.WriteString(s.Action)
	b.WriteByte(' ')
	node := d.name(s.Node)
	role, _, _ := d.cfg.RoleOf(s.Node)
	switch s.Action {
	case EvPhase1a:
		b.WriteString(node + " timeout")
	case EvInvoke:
		fmt.Fprintf(&b, "C%d→%s propose %s", *s.Client, node, showValue(s.Value))
	case EvDrop:
		fmt.Fprintf(&b, "%s %s→%s DROPPED", msgLabel(s.Msg), d.name(s.Msg.From), d.name(s.Msg.To))
	case EvDuplicate:
		fmt.Fprintf(&b, "%s %s→%s DUPLICATED as #%d", msgLabel(s.Msg), d.name(s.Msg.From), d.name(s.Msg.To), s.Sent[0].ID)
	case EvCrash:
		b.WriteString(node + " CRASHED")
		if s.Msg != nil {
			fmt.Fprintf(&b, " while handling %s from %s (before sending)", msgLabel(s.Msg), d.name(s.Msg.From))
		}
	case EvRestart:
		b.WriteString(node + " RESTARTED")
		if role != paxos.RoleLearner {
			b.WriteString(" from durable " + durableLabel(role, d.durable[s.Node]))
		}
	default:
		fmt.Fprintf(&b, "%s ⇐ %s from %s", node, msgLabel(s.Msg), d.name(s.Msg.From))
	}
	if s.Persist != nil {
		b.WriteString(" | persist " + durableLabel(role, *s.Persist))
	}
	if s.Learned != paxos.None {
		b.WriteString(" | LEARNED " + showValue(s.Learned))
	}
	if d.t.Header.TimeUnit == TimeNanos || s.Time != int64(s.Step) {
		fmt.Fprintf(&b, " | t=%d%s", s.Time, d.t.Header.TimeUnit)
	}
	return b.String()
}

// after updates what the diagram tracks once step s is drawn.
func (d *diagram) after(s *Step) {
	if s.Persist != nil {
		d.durable[s.Node] = *s.Persist
	}
}

func (d *diagram) summary() string {
	h := &d.t.Header
	plural := func(n int, w string) string {
		if n == 1 {
			return "1 " + w
		}
		return strconv.Itoa(n) + " " + w + "s"
	}
	s := fmt.Sprintf("trace: %s, %s, %s, %s; %s",
		plural(len(h.Acceptors), "acceptor"), plural(len(h.Proposers), "proposer"),
		plural(len(h.Learners), "learner"), plural(len(h.Clients), "client"), plural(len(d.t.Steps), "step"))
	if len(h.Bugs) > 0 {
		s += "; bugs " + strings.Join(h.Bugs, ",")
	}
	if h.Source != "" {
		s += "; source " + h.Source
	}
	if h.Seed != nil {
		s += "; seed " + strconv.FormatUint(*h.Seed, 10)
	}
	return s
}

func (d *diagram) violationText() string {
	v := d.t.Header.Violation
	return v.Line()
}

// Diagram is t as the sequence diagrams draw it (traces.Diagram): a lane
// per client (C0..) and node (A0 acceptors, P3 proposers, L5 learners),
// each step in words, each message by MessageLabel. t is validated first:
// a malformed trace is an error.
func Diagram(t *Trace) (*traces.Diagram, error) {
	d, err := newDiagram(t)
	if err != nil {
		return nil, err
	}
	g := &traces.Diagram{Summary: d.summary(), Violation: t.Header.Violation}
	if g.Violation != nil {
		g.ViolationText = d.violationText()
	}
	for i, l := range d.lanes {
		what := l.role.String()
		if l.role == 0 { // client lanes come first, in client order
			what = "client " + showValue(t.Header.Clients[i].Value)
		}
		g.Lanes = append(g.Lanes, traces.Lane{Name: l.name, What: what})
	}
	for i := range t.Steps {
		s := &t.Steps[i]
		nl := d.index[s.Node]
		r := traces.Row{Step: s.Step, Text: d.describe(s), Lane: nl}
		switch s.Action {
		case EvInvoke:
			r.Mark, r.From, r.Label = traces.MarkInvoke, d.clientLane(*s.Client), "propose "+showValue(s.Value)
		case EvDrop:
			r.Mark, r.From, r.To = traces.MarkDrop, d.index[s.Msg.From], d.index[s.Msg.To]
			r.Label = "✗ " + msgLabel(s.Msg) + " dropped"
		case EvDuplicate:
			m := &s.Sent[0]
			r.Mark, r.From, r.To = traces.MarkDup, d.index[s.Msg.From], d.index[s.Msg.To]
			r.Label = msgLabel(m) + " (copy of #" + strconv.Itoa(m.DupOf) + ")"
		case EvCrash:
			r.Mark = traces.MarkCrash
		case EvRestart:
			r.Mark = traces.MarkRestart
		}
		if s.Action != EvDuplicate {
			for j := range s.Sent {
				m := &s.Sent[j]
				r.Arrows = append(r.Arrows, traces.Arrow{From: d.index[m.From], To: d.index[m.To], Label: msgLabel(m)})
			}
		}
		for _, rep := range s.Replies {
			r.Arrows = append(r.Arrows, traces.Arrow{From: nl, To: d.clientLane(rep.Client), Reply: true,
				Label: fmt.Sprintf("return C%d %s", rep.Client, showValue(rep.Value)), Brief: "return " + showValue(rep.Value)})
		}
		g.Rows = append(g.Rows, r)
		d.after(s)
	}
	return g, nil
}

// RenderText writes t as a sequence diagram for the terminal
// (traces.RenderText of Diagram(t)).
func RenderText(w io.Writer, t *Trace, opt TextOptions) error {
	g, err := Diagram(t)
	if err != nil {
		return err
	}
	return traces.RenderText(w, g, opt)
}

// RenderMermaid writes t as a Mermaid sequenceDiagram (traces.RenderMermaid
// of Diagram(t)).
func RenderMermaid(w io.Writer, t *Trace) error {
	g, err := Diagram(t)
	if err != nil {
		return err
	}
	return traces.RenderMermaid(w, g)
}
