package server_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/clusapi/wsfc"
	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/dial"
	"github.com/batoncluster/baton/internal/store"
	"github.com/batoncluster/baton/internal/wire"
	"github.com/batoncluster/baton/proplist"
)

// plGen makes random property lists as a careless or hostile caller sends
// them: every syntax (and some that are not value syntaxes), strings with
// NULs and empty strings, numbers out of range, odd-length data, nesting
// past proplist.MaxDepth, and now and then thousands of properties.
type plGen struct{ r *rand.Rand }

var plSyntaxes = []proplist.Syntax{
	proplist.SyntaxBinary, proplist.SyntaxDWORD, proplist.SyntaxSZ, proplist.SyntaxExpandSZ,
	proplist.SyntaxMultiSZ, proplist.SyntaxULargeInteger, proplist.SyntaxLong, proplist.SyntaxExpandedSZ,
	proplist.SyntaxSecurityDescriptor, proplist.SyntaxLargeInteger, proplist.SyntaxWord, proplist.SyntaxFileTime,
	proplist.SyntaxPropertyList, proplist.SyntaxResClass, proplist.SyntaxDiskSignature, proplist.SyntaxSCSIAddress,
	proplist.SyntaxDiskNumber, proplist.SyntaxPartitionInfo, proplist.SyntaxFTSetInfo, proplist.SyntaxDiskSerialNumber,
	proplist.SyntaxDiskGUID, proplist.SyntaxDiskSize, proplist.SyntaxPartitionInfoEx, proplist.SyntaxPartitionInfoEx2,
	proplist.SyntaxStorageDeviceIDDescriptor,
	proplist.SyntaxName, proplist.SyntaxEndmark, 0x00010010, 0x80008000, // not value syntaxes
}

// str is a string, sometimes with a NUL or empty; always valid UTF-8 (the
// transports refuse anything else before the API sees it).
func (g plGen) str() string {
	pieces := []string{"", "a", "Virtual Machine", "é", "日本", "😀", "\x00", "a\x00b", "%TEMP%", ";", "\"", "\uFFFD", " "}
	var b strings.Builder
	for range g.r.IntN(4) {
		b.WriteString(pieces[g.r.IntN(len(pieces))])
	}
	if g.r.IntN(40) == 0 {
		b.WriteString(strings.Repeat("x", g.r.IntN(3000)))
	}
	return b.String()
}

func (g plGen) clean() string {
	for {
		if s := g.str(); !strings.Contains(s, "\x00") {
			return s
		}
	}
}

// name is a property name that is none of the dummy type's or the common
// ones (their rules are not what this test is about), or LockedReason.
func (g plGen) name() string {
	switch g.r.IntN(12) {
	case 0:
		return "LockedReason"
	case 1:
		return g.str() // maybe with a NUL, maybe empty
	}
	return "p" + g.clean()
}

func (g plGen) list(depth int, budget *int) proplist.List {
	n := g.r.IntN(4)
	switch {
	case g.r.IntN(15) == 0:
		n = 0
	case depth == 0 && g.r.IntN(30) == 0:
		n = 2000 + g.r.IntN(2000) // huge counts
		*budget += n
	}
	var l proplist.List
	for range n {
		p := proplist.Property{Name: g.name()}
		nv := 1
		switch g.r.IntN(10) {
		case 0:
			nv = 0
		case 1:
			nv = 2 + g.r.IntN(2)
		}
		for range nv {
			p.Values = append(p.Values, g.value(depth, budget))
		}
		if p.Name == "LockedReason" { // the dummy type wants a string
			p.Values = []proplist.Value{proplist.SZ(g.str())}
		}
		l = append(l, p)
	}
	return l
}

func (g plGen) value(depth int, budget *int) proplist.Value {
	*budget--
	s := plSyntaxes[g.r.IntN(len(plSyntaxes))]
	if g.r.IntN(4) == 0 && *budget > 0 {
		s = proplist.SyntaxPropertyList
	}
	v := proplist.Value{Syntax: s}
	switch s.Format() {
	case proplist.FormatDWORD, proplist.FormatWord, proplist.FormatULargeInteger, proplist.FormatFileTime:
		v.Uint = g.r.Uint64N(1 << 16)
		if g.r.IntN(6) == 0 {
			v.Uint = g.r.Uint64() // out of range for a WORD: refused
		}
	case proplist.FormatLong, proplist.FormatLargeInteger:
		v.Int = int64(int32(g.r.Uint32()))
	case proplist.FormatSZ, proplist.FormatExpandSZ, proplist.FormatExpandedSZ:
		v.Str = g.str()
	case proplist.FormatMultiSZ:
		for range g.r.IntN(4) {
			v.Strs = append(v.Strs, g.str())
		}
	case proplist.FormatBinary, proplist.FormatSecurityDescriptor:
		v.Bytes = make([]byte, g.r.IntN(12))
		for i := range v.Bytes {
			v.Bytes[i] = byte(g.r.Uint32())
		}
	case proplist.FormatPropertyList:
		if depth <= proplist.MaxDepth+1 && *budget > 0 {
			v.List = g.list(depth+1, budget)
		}
	}
	return v
}

// top is one list to send, of at most a few thousand values.
func (g plGen) top() proplist.List {
	budget := 60
	if g.r.IntN(6) == 0 {
		budget = 0
		l := proplist.List{{Name: "leaf", Values: []proplist.Value{proplist.DWORD(1)}}}
		for range proplist.MaxDepth - 1 + g.r.IntN(3) { // 15 to 17 deep
			l = proplist.List{{Name: "n", Values: []proplist.Value{proplist.Nested(l)}}}
		}
		return l
	}
	return g.list(0, &budget)
}

// groupList is a list of group properties: the common ones, with values
// of the right kind or not, and now and then an unknown name.
func (g plGen) groupList() proplist.List {
	names := []string{"FailoverThreshold", "FailoverPeriod", "AutoFailbackType", "FailbackWindowStart", "FailbackWindowEnd", "Priority", "AntiAffinityClassNames"}
	var l proplist.List
	for range g.r.IntN(4) {
		name := names[g.r.IntN(len(names))]
		var v proplist.Value
		switch {
		case g.r.IntN(8) == 0:
			budget := 5
			v = g.value(0, &budget)
		case name == "AntiAffinityClassNames":
			v = proplist.MultiSZ()
			for range g.r.IntN(4) {
				v.Strs = append(v.Strs, g.str())
			}
		default:
			v = proplist.DWORD(uint32(g.r.IntN(30)))
		}
		l = append(l, proplist.Property{Name: name, Values: []proplist.Value{v}})
	}
	if g.r.IntN(10) == 0 {
		l = append(l, proplist.Property{Name: g.str(), Values: []proplist.Value{proplist.DWORD(1)}})
	}
	return l
}

// inBuffer is a raw input buffer: an encoded list, now and then cut short,
// with a byte changed, or with bytes added.
func (g plGen) inBuffer() []byte {
	budget := 20
	l := g.list(0, &budget)
	b := l.MarshalCompact()
	if g.r.IntN(2) == 0 {
		b = l.Marshal()
	}
	switch g.r.IntN(5) {
	case 0:
		b = b[:g.r.IntN(len(b)+1)]
	case 1:
		if len(b) > 0 {
			b[g.r.IntN(len(b))] ^= byte(1 + g.r.IntN(255))
		}
	case 2:
		b = append(b, byte(g.r.Uint32()))
	}
	return b
}

// snapshot is every record a call could change, by revision.
func snapshot(v store.View) map[string]int64 {
	m := map[string]int64{}
	for _, g := range v.Groups() {
		m["group/"+g.Name] = g.Rev
	}
	for _, r := range v.Resources() {
		m["resource/"+r.Name] = r.Rev
		if st := v.Status(r.Name); st != nil {
			m["status/"+r.Name] = st.Rev
		}
	}
	// Operations by id only: a refused call starts none, but an earlier
	// call's operation may still be finished in the background (the
	// host's outcome, the leader's FinishOrphans) while the refused one
	// runs.
	for _, o := range v.Operations() {
		m["op/"+o.ID] = 0
	}
	return m
}

// settle waits until the database stops changing (the host has done what
// an accepted call asked).
func settle(t *testing.T, n *clustertest.Node) {
	t.Helper()
	ctx := context.Background()
	for range 200 {
		if err := n.Store().Sync(ctx); err != nil {
			t.Fatal(err)
		}
		rev := n.Store().View().Rev()
		time.Sleep(20 * time.Millisecond)
		if err := n.Store().Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if n.Store().View().Rev() == rev {
			return
		}
	}
	t.Fatal("the database never settled")
}

// received is the list the agent gets from pl (what wire.ToList makes of
// it), and whether it may accept it: it converts and validates.
func received(pl *batonv1.PropertyList) (proplist.List, bool) {
	l, err := wire.ToList(pl)
	return l, err == nil && l.Validate() == nil
}

// propTest drives one agent with random property lists.
type propTest struct {
	t   *testing.T
	n   *clustertest.Node
	c   *dial.Conn
	ctx context.Context
	// model is R0's private properties as they should read back.
	model   proplist.List
	created int
	counts  map[string]int // outcome counts, for the log
}

// Random property lists through every call that takes one, against a real
// agent: each call either answers 87 and changes nothing, or is accepted
// and what it stored reads back equal. A list the agent cannot keep is
// always refused, and never wedges anything: every call answers, and the
// agent restarts from its data at the end.
func TestRandomPropertyListsThroughTheAPI(t *testing.T) {
	n := clustertest.New(t)
	p := &propTest{t: t, n: n, c: conn(t, n.Addr(), ""), ctx: context.Background(), counts: map[string]int{}}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	g := plGen{rand.New(rand.NewPCG(seed, 10))}
	p.must(p.c.Groups.CreateGroup(p.ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})))
	p.must(p.c.Groups.CreateGroup(p.ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "H"})))
	p.must(p.c.Resources.CreateResource(p.ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: "R0", Group: "G", Type: "dummy"})))

	deadline := time.Now().Add(45 * time.Second)
	for i := 0; i < 250 && time.Now().Before(deadline); i++ {
		switch k := g.r.IntN(7); k {
		case 0:
			p.groupProps(g.groupList(), g.r.IntN(2) == 0)
		case 1:
			p.createResource(g.top())
		case 2, 3:
			p.setResourceProps(g.top())
		default:
			if g.r.IntN(3) == 0 {
				p.stateChange(nil, g.inBuffer(), g.r.IntN(2) == 0)
			} else {
				p.stateChange(wire.FromList(g.top()), nil, g.r.IntN(2) == 0)
			}
		}
	}
	t.Logf("outcomes: %v", p.counts)
	for _, want := range []string{"refused", "stored", "state change"} {
		if p.counts[want] == 0 {
			t.Errorf("no call was %s: the generator misses a case (%v)", want, p.counts)
		}
	}
	settle(t, n)
	before := n.Store().View()
	n.Restart()
	after := n.Store().View()
	for _, r := range before.Resources() {
		if a := after.Resource(r.Name); a == nil || !a.Private.Equal(r.Private) {
			t.Errorf("after a restart, resource %s reads %v", r.Name, a)
		}
	}
}

func (p *propTest) must(_ any, err error) {
	p.t.Helper()
	if err != nil {
		p.t.Fatal(err)
	}
}

// refused checks that a call that had to be refused answered 87 and
// changed nothing; before is the snapshot taken before the call.
func (p *propTest) refused(what string, err error, before map[string]int64) {
	p.t.Helper()
	p.counts["refused"]++
	if got := code(p.t, err); got != wsfc.ERROR_INVALID_PARAMETER {
		p.t.Fatalf("%s: %v (%v), want ERROR_INVALID_PARAMETER", what, got, err)
	}
	p.unchanged(what, before)
}

func (p *propTest) unchanged(what string, before map[string]int64) {
	p.t.Helper()
	if err := p.n.Store().Sync(p.ctx); err != nil {
		p.t.Fatal(err)
	}
	if after := snapshot(p.n.Store().View()); !maps.Equal(before, after) {
		p.t.Fatalf("%s: a refused call changed the database:\nbefore %v\nafter  %v", what, before, after)
	}
}

func (p *propTest) before() map[string]int64 {
	settle(p.t, p.n)
	return snapshot(p.n.Store().View())
}

func (p *propTest) groupProps(l proplist.List, create bool) {
	pl := wire.FromList(l)
	want, ok := received(pl)
	before := p.before()
	var got *batonv1.Group
	var err error
	what := "SetGroupProperties"
	if create {
		p.created++
		name := fmt.Sprintf("G%d", p.created)
		what = "CreateGroup " + name
		var resp *connect.Response[batonv1.CreateGroupResponse]
		if resp, err = p.c.Groups.CreateGroup(p.ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: name, Properties: pl})); err == nil {
			got = resp.Msg.Group
		}
	} else {
		var resp *connect.Response[batonv1.SetGroupPropertiesResponse]
		if resp, err = p.c.Groups.SetGroupProperties(p.ctx, connect.NewRequest(&batonv1.SetGroupPropertiesRequest{Group: &batonv1.GroupRef{Name: "H"}, Properties: pl})); err == nil {
			got = resp.Msg.Group
		}
	}
	if !ok {
		p.refused(what, err, before)
		return
	}
	if err != nil {
		// A valid list can still break the group rules: a value of the
		// wrong kind, out of range, an unknown name.
		switch code(p.t, err) {
		case wsfc.ERROR_INVALID_PARAMETER, wsfc.ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH, wsfc.ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS:
		default:
			p.t.Fatalf("%s: %v", what, err)
		}
		p.counts["rule"]++
		p.unchanged(what, before)
		return
	}
	p.counts["stored"]++
	// Read back, from the answer and from a fresh read: the last value
	// of each property given.
	name := got.Name
	resp, err := p.c.Groups.GetGroup(p.ctx, connect.NewRequest(&batonv1.GetGroupRequest{Group: &batonv1.GroupRef{Name: name}}))
	if err != nil {
		p.t.Fatal(err)
	}
	for _, m := range []*batonv1.Group{got, resp.Msg.Group} {
		back, err := wire.ToList(m.Properties)
		if err != nil {
			p.t.Fatal(err)
		}
		for _, w := range want {
			last := w
			for _, o := range want {
				if o.Name == w.Name {
					last = o
				}
			}
			if b, ok := back.Get(w.Name); !ok || !b.Equal(last) {
				p.t.Fatalf("%s: %s reads back %v, want %v", what, w.Name, b, last)
			}
		}
	}
}

func (p *propTest) createResource(l proplist.List) {
	pl := wire.FromList(l)
	want, ok := received(pl)
	before := p.before()
	p.created++
	name := fmt.Sprintf("R%d", p.created)
	resp, err := p.c.Resources.CreateResource(p.ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: name, Group: "H", Type: "dummy", Properties: pl}))
	if !ok {
		p.refused("CreateResource "+name, err, before)
		return
	}
	if err != nil {
		p.t.Fatalf("CreateResource %s of a valid list (%d properties): %v", name, len(want), err)
	}
	p.counts["stored"]++
	p.readBack("CreateResource "+name, resp.Msg.Resource, want)
}

func (p *propTest) setResourceProps(l proplist.List) {
	pl := wire.FromList(l)
	want, ok := received(pl)
	before := p.before()
	resp, err := p.c.Resources.SetResourceProperties(p.ctx, connect.NewRequest(&batonv1.SetResourcePropertiesRequest{Resource: &batonv1.ResourceRef{Name: "R0"}, Properties: pl}))
	if !ok {
		p.refused("SetResourceProperties", err, before)
		return
	}
	if err != nil {
		p.t.Fatalf("SetResourceProperties of a valid list (%d properties): %v", len(want), err)
	}
	p.counts["stored"]++
	for _, q := range want {
		p.model = p.model.Set(q.Name, q.Values...)
	}
	p.readBack("SetResourceProperties", resp.Msg.Resource, p.model)
}

// readBack checks a resource's private properties in an answer and in a
// fresh read.
func (p *propTest) readBack(what string, m *batonv1.Resource, want proplist.List) {
	p.t.Helper()
	resp, err := p.c.Resources.GetResource(p.ctx, connect.NewRequest(&batonv1.GetResourceRequest{Resource: &batonv1.ResourceRef{Name: m.Name}}))
	if err != nil {
		p.t.Fatal(err)
	}
	for _, r := range []*batonv1.Resource{m, resp.Msg.Resource} {
		back, err := wire.ToList(r.PrivateProperties)
		if err != nil {
			p.t.Fatal(err)
		}
		if !back.Equal(want) {
			p.t.Fatalf("%s: private properties read back differ (%d properties, want %d)", what, len(back), len(want))
		}
	}
}

// stateChange takes G (and R0) online if it is offline, offline if it is
// online, with the list as params or the raw buffer as in_buffer: a call
// that is accepted (997) records the buffer, which must read back equal.
func (p *propTest) stateChange(params *batonv1.PropertyList, buf []byte, ofGroup bool) {
	want, ok := received(params)
	var wantBuf []byte
	if params == nil {
		wantBuf = buf
		l, err := proplist.Unmarshal(buf)
		ok = err == nil || len(buf) == 0
		want = l
	} else if ok && len(want) > 0 {
		wantBuf = want.MarshalCompact()
	}
	size := uint32(len(buf))
	group := &batonv1.GroupRef{Name: "G"}
	if ok {
		// A move with a buffer that passes: on this one node there is
		// nowhere to go (5042), or nothing to do (0); either way nothing
		// changes.
		before := p.before()
		res, err := p.c.Groups.MoveGroup(p.ctx, connect.NewRequest(&batonv1.MoveGroupRequest{Group: group, InBuffer: buf, InBufferSize: size, Params: params}))
		switch got := code(p.t, err); {
		case got == wsfc.ERROR_CLUSTER_NODE_NOT_FOUND:
		case err == nil && res.Msg.Status == 0:
		default:
			p.t.Fatalf("MoveGroup with a valid buffer on one node: %v (%v)", got, err)
		}
		p.unchanged("MoveGroup", before)
	}
	before := p.before()
	v := p.n.Store().View()
	online := v.GroupState(v.Group("G")) == wsfc.ClusterGroupOnline
	var res *connect.Response[batonv1.OperationResult]
	var err error
	var what string
	r0 := &batonv1.ResourceRef{Name: "R0"}
	switch {
	case !online && ofGroup:
		what = "OnlineGroup"
		res, err = p.c.Groups.OnlineGroup(p.ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: group, InBuffer: buf, InBufferSize: size, Params: params}))
	case !online:
		what = "OnlineResource"
		res, err = p.c.Resources.OnlineResource(p.ctx, connect.NewRequest(&batonv1.OnlineResourceRequest{Resource: r0, InBuffer: buf, InBufferSize: size, Params: params}))
	case ofGroup:
		what = "OfflineGroup"
		res, err = p.c.Groups.OfflineGroup(p.ctx, connect.NewRequest(&batonv1.OfflineGroupRequest{Group: group, InBuffer: buf, InBufferSize: size, Params: params}))
	default:
		what = "OfflineResource"
		res, err = p.c.Resources.OfflineResource(p.ctx, connect.NewRequest(&batonv1.OfflineResourceRequest{Resource: r0, InBuffer: buf, InBufferSize: size, Params: params}))
	}
	if !ok {
		p.refused(what, err, before)
		// A move refuses the same buffers the same way.
		_, err := p.c.Groups.MoveGroup(p.ctx, connect.NewRequest(&batonv1.MoveGroupRequest{Group: group, InBuffer: buf, InBufferSize: size, Params: params}))
		p.refused("MoveGroup", err, before)
		return
	}
	if err != nil {
		p.t.Fatalf("%s with a valid buffer: %v", what, err)
	}
	if res.Msg.Status != uint32(wsfc.ERROR_IO_PENDING) {
		p.t.Fatalf("%s: status %d, want 997", what, res.Msg.Status)
	}
	p.counts["state change"]++
	op, err := p.c.Groups.GetOperation(p.ctx, connect.NewRequest(&batonv1.GetOperationRequest{Id: res.Msg.OperationId}))
	if err != nil {
		p.t.Fatal(err)
	}
	if string(op.Msg.InBuffer) != string(wantBuf) {
		p.t.Fatalf("%s: the operation's buffer reads back as %x, want %x", what, op.Msg.InBuffer, wantBuf)
	}
	if len(wantBuf) > 0 {
		if back, err := proplist.Unmarshal(op.Msg.InBuffer); err != nil || !back.Equal(want) {
			p.t.Fatalf("%s: the operation's buffer decodes to %v (%v)", what, back, err)
		}
	}
	if online {
		p.n.AwaitGroup("G", wsfc.ClusterGroupOffline)
	} else {
		p.n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	}
}

// The failures issue 10 found, one by one: each answers 87, changes
// nothing, and the agent restarts from its data afterwards (it refused to
// start when these were stored).
func TestIssueListsAnswer87AndTheAgentRestarts(t *testing.T) {
	n := clustertest.New(t)
	c := conn(t, n.Addr(), "")
	ctx := context.Background()
	p := &propTest{t: t, n: n, c: c, ctx: ctx, counts: map[string]int{}}
	p.must(c.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G"})))
	p.must(c.Resources.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: "R", Group: "G", Type: "dummy",
		Properties: wire.FromList(proplist.List{{Name: "LockedReason", Values: []proplist.Value{proplist.SZ("backup")}}})})))
	sz := func(name, s string) proplist.List {
		return proplist.List{{Name: name, Values: []proplist.Value{proplist.SZ(s)}}}
	}
	deep := proplist.List{{Name: "leaf", Values: []proplist.Value{proplist.DWORD(1)}}}
	for range proplist.MaxDepth + 1 {
		deep = proplist.List{{Name: "n", Values: []proplist.Value{proplist.Nested(deep)}}}
	}
	lists := map[string]proplist.List{
		"NUL in an sz (LockedReason)":      sz("LockedReason", "a\x00b"),
		"NUL in an sz (unknown property)":  sz("Note", "x\x00"),
		"NUL in an expand_sz":              {{Name: "Note", Values: []proplist.Value{proplist.ExpandSZ("%A%\x00")}}},
		"NUL in a multi_sz string":         {{Name: "Note", Values: []proplist.Value{proplist.MultiSZ("a\x00b")}}},
		"empty string in a multi_sz":       {{Name: "Note", Values: []proplist.Value{proplist.MultiSZ("a", "", "b")}}},
		"NUL in a name":                    sz("No\x00te", "x"),
		"nested 17 deep":                   deep,
		"NUL inside a nested list":         {{Name: "N", Values: []proplist.Value{proplist.Nested(sz("I", "\x00"))}}},
		"empty multi_sz string, Ex params": {{Name: "dummy", Values: []proplist.Value{proplist.MultiSZ("")}}},
	}
	for name, l := range lists {
		pl := wire.FromList(l)
		before := p.before()
		_, err := c.Resources.SetResourceProperties(ctx, connect.NewRequest(&batonv1.SetResourcePropertiesRequest{Resource: &batonv1.ResourceRef{Name: "R"}, Properties: pl}))
		p.refused("SetResourceProperties, "+name, err, before)
		_, err = c.Resources.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: "R2", Group: "G", Type: "dummy", Properties: pl}))
		p.refused("CreateResource, "+name, err, before)
		_, err = c.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: "G"}, Params: pl}))
		p.refused("OnlineGroup, "+name, err, before)
		_, err = c.Groups.CreateGroup(ctx, connect.NewRequest(&batonv1.CreateGroupRequest{Name: "G2", Properties: pl}))
		p.refused("CreateGroup, "+name, err, before)
	}
	// Generic Application's CommandLine and Environment, and a group's
	// AntiAffinityClassNames.
	for name, l := range map[string]proplist.List{
		"CommandLine with a NUL":           sz("CommandLine", "/bin/sleep 100\x00; rm -rf /"),
		"Environment with an empty string": {{Name: "CommandLine", Values: []proplist.Value{proplist.SZ("/bin/sleep 100")}}, {Name: "Environment", Values: []proplist.Value{proplist.MultiSZ("A=1", "")}}},
	} {
		before := p.before()
		_, err := c.Resources.CreateResource(ctx, connect.NewRequest(&batonv1.CreateResourceRequest{Name: "App", Group: "G", Type: "Generic Application", Properties: wire.FromList(l)}))
		p.refused("Generic Application, "+name, err, before)
	}
	before := p.before()
	_, err := c.Groups.SetGroupProperties(ctx, connect.NewRequest(&batonv1.SetGroupPropertiesRequest{Group: &batonv1.GroupRef{Name: "G"},
		Properties: wire.FromList(proplist.List{{Name: "AntiAffinityClassNames", Values: []proplist.Value{proplist.MultiSZ("a", "")}}})}))
	p.refused("AntiAffinityClassNames with an empty string", err, before)

	// As curl sends it: JSON over https with a token.
	api := newTCPAPI(t, n.Agent.HTTPAddr())
	full := newToken(t, n, "full", "full", 0)
	before = p.before()
	a := post(t, api.h1, api.base+"/baton.v1.ResourceService/SetResourceProperties", "application/json", full,
		[]byte(`{"resource":{"name":"R"},"properties":{"properties":[{"name":"LockedReason","values":[{"sz":"a\u0000b"}]}]}}`))
	if a.status != 400 || a.header.Get("Baton-Win32-Code") != "87" {
		t.Errorf("JSON with \\u0000: %d %q %s", a.status, a.header.Get("Baton-Win32-Code"), a.body)
	}
	p.unchanged("JSON with \\u0000", before)

	// Everything still works, and the agent restarts.
	p.must(c.Groups.OnlineGroup(ctx, connect.NewRequest(&batonv1.OnlineGroupRequest{Group: &batonv1.GroupRef{Name: "G"}})))
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	n.Restart()
	n.AwaitGroup("G", wsfc.ClusterGroupOnline)
	if r := n.Store().View().Resource("R"); r == nil || !r.Private.Equal(sz("LockedReason", "backup")) {
		t.Errorf("after the restart R is %+v", r)
	}
	if q := n.Store().View().Quarantined(); len(q) != 0 {
		t.Errorf("records the store cannot decode: %v", q)
	}
}
