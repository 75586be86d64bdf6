package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/batoncluster/baton/clusapi"
	"github.com/batoncluster/baton/proplist"
)

// The -o json shapes. Field order is the order printed; the state query,
// operation and error shapes are the contract of DESIGN §4.

// groupStateJSON answers `group state`.
type groupStateJSON struct {
	Name      string `json:"name"`
	State     string `json:"state"`
	StateCode int32  `json:"stateCode"`
	OwnerNode string `json:"ownerNode"`
}

// resourceStateJSON answers `resource state`.
type resourceStateJSON struct {
	Name         string `json:"name"`
	Group        string `json:"group"`
	State        string `json:"state"`
	StateCode    int32  `json:"stateCode"`
	OwnerNode    string `json:"ownerNode"`
	Locked       bool   `json:"locked"`
	LockedReason string `json:"lockedReason"`
}

// opJSON answers an operation (online, offline) and the other changes:
// exactly one of Group, Resource and Principal is set. State and StateCode
// are the final state after --wait, and Operation the record it judged by.
type opJSON struct {
	Group       string  `json:"group,omitempty"`
	Resource    string  `json:"resource,omitempty"`
	Principal   string  `json:"principal,omitempty"`
	Status      uint32  `json:"status"`
	StatusName  string  `json:"statusName"`
	OperationID string  `json:"operationId,omitempty"`
	State       *string `json:"state,omitempty"`
	StateCode   *int32  `json:"stateCode,omitempty"`
	// Operation is the operation's record as the wait last saw it (a
	// move's, whose outcome ends the wait).
	Operation *operationJSON `json:"operation,omitempty"`
}

// errJSON is the error shape: {"error":{"code":…,"name":…,"message":…}}.
type errJSON struct {
	Error errBodyJSON `json:"error"`
}

type errBodyJSON struct {
	Code    uint32 `json:"code"`
	Name    string `json:"name"`
	Message string `json:"message"`
}

func errorJSON(code clusapi.Errno, msg string) errJSON {
	if msg == "" {
		msg = code.String()
	}
	return errJSON{Error: errBodyJSON{Code: uint32(code), Name: code.String(), Message: msg}}
}

// groupJSON answers `group show`, `group create`, `group set` and is the
// element of `group list`.
type groupJSON struct {
	Name            string              `json:"name"`
	ID              string              `json:"id"`
	State           string              `json:"state"`
	StateCode       int32               `json:"stateCode"`
	OwnerNode       string              `json:"ownerNode"`
	PreferredOwners []string            `json:"preferredOwners"`
	PersistentState uint32              `json:"persistentState"`
	Resources       []groupResourceJSON `json:"resources"`
	Properties      proplist.List       `json:"properties"`
	// Failovers within FailoverPeriod (they count against the threshold)
	// and when the oldest stops counting.
	Failovers            []string `json:"failovers"`
	FailoverCountExpires string   `json:"failoverCountExpires,omitempty"`
	MoveTo               string   `json:"moveTo,omitempty"`
	// StatusInformation holds the CLUSGRP_STATUS_* bits (0x4 while a move
	// waits in the queue); QueuedMove is that move.
	StatusInformation uint64          `json:"statusInformation"`
	QueuedMove        *queuedMoveJSON `json:"queuedMove,omitempty"`
}

// queuedMoveJSON is a move waiting in a group's queue (flag 0x4).
type queuedMoveJSON struct {
	OperationID string `json:"operationId"`
	To          string `json:"to,omitempty"` // "" for the best node
	Blocker     string `json:"blocker"`
	// Code is what the call would have answered without the queue flag.
	Code     uint32 `json:"code"`
	CodeName string `json:"codeName"`
	Since    string `json:"since,omitempty"`
}

// groupResourceJSON is a resource as listed in a group.
type groupResourceJSON struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	State     string `json:"state"`
	StateCode int32  `json:"stateCode"`
	Locked    bool   `json:"locked"`
	// Restarts within RestartPeriod (they count against RestartThreshold)
	// and when the oldest stops counting.
	Restarts            []string `json:"restarts"`
	RestartCountExpires string   `json:"restartCountExpires,omitempty"`
}

// resourceJSON answers `resource show`, `resource create`, `resource set`
// and is the element of `resource list`.
type resourceJSON struct {
	Name            string   `json:"name"`
	ID              string   `json:"id"`
	Group           string   `json:"group"`
	Type            string   `json:"type"`
	State           string   `json:"state"`
	StateCode       int32    `json:"stateCode"`
	OwnerNode       string   `json:"ownerNode"`
	Locked          bool     `json:"locked"`
	LockedReason    string   `json:"lockedReason"`
	PersistentState uint32   `json:"persistentState"`
	LastError       string   `json:"lastError,omitempty"`
	DependsOn       []string `json:"dependsOn"`
	// DependencyExpression is set when the resource's dependencies have an
	// "or" ("([a] or [b]) and [c]"); dependsOn lists every name in it.
	DependencyExpression string        `json:"dependencyExpression,omitempty"`
	Properties           proplist.List `json:"properties"`
	CommonProperties     proplist.List `json:"commonProperties"`
	Status               proplist.List `json:"status"`
	// Restarts within RestartPeriod (they count against RestartThreshold)
	// and when the oldest stops counting.
	Restarts            []string `json:"restarts"`
	RestartCountExpires string   `json:"restartCountExpires,omitempty"`
	// PossibleOwners is set when the resource has its own list of the
	// nodes that may host it (possibly empty); absent: every node.
	PossibleOwners *[]string `json:"possibleOwners,omitempty"`
}

// nodeJSON is an element of `node list`.
type nodeJSON struct {
	Name      string   `json:"name"`
	State     string   `json:"state"`
	StateCode int32    `json:"stateCode"`
	Address   string   `json:"address"`
	Groups    []string `json:"groups"`
	Started   string   `json:"started,omitempty"`
	// DrainStatus is "", "in progress", "completed" or "failed".
	DrainStatus  string `json:"drainStatus,omitempty"`
	DatabaseRole string `json:"databaseRole,omitempty"`
	DrainDetail  string `json:"drainDetail,omitempty"`
}

// typeJSON answers `type show` and is the element of `type list`.
type typeJSON struct {
	Name             string             `json:"name"`
	Description      string             `json:"description"`
	OfflineParameter string             `json:"offlineParameter"`
	Properties       []propertyInfoJSON `json:"properties"`
}

type propertyInfoJSON struct {
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Default     string `json:"default"`
	Description string `json:"description"`
}

// aclEntryJSON is an element of `acl list`.
type aclEntryJSON struct {
	Principal string `json:"principal"`
	Access    string `json:"access"`
	Token     bool   `json:"token"`
}

// tokenJSON answers `acl token create`.
type tokenJSON struct {
	Name      string `json:"name"`
	Principal string `json:"principal"`
	Access    string `json:"access"`
	Token     string `json:"token"`
}

// clusterJSON answers `cluster info`.
type clusterJSON struct {
	ClusterName string `json:"clusterName"`
	ClusterID   string `json:"clusterId"`
	Node        string `json:"node"`
	Principal   string `json:"principal"`
	Access      string `json:"access"`
	Address     string `json:"address"`
}

// Conversions from package clusapi's types.

func groupStateName(code int32) string    { return clusapi.ClusterGroupState(code).String() }
func resourceStateName(code int32) string { return clusapi.ClusterResourceState(code).String() }
func nodeStateName(code int32) string     { return clusapi.ClusterNodeState(code).String() }

// plist is a property list for printing: never nil, so JSON has [].
func plist(l proplist.List) proplist.List {
	if l == nil {
		return proplist.List{}
	}
	return l
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func toGroupJSON(g *clusapi.Group, resources []clusapi.Resource) groupJSON {
	out := groupJSON{
		Name: g.Name, ID: g.ID,
		State: g.State.String(), StateCode: int32(g.State),
		OwnerNode: g.OwnerNode, PreferredOwners: nonNil(g.PreferredOwners),
		PersistentState: g.PersistentState, Resources: []groupResourceJSON{},
		Properties: plist(g.Properties), MoveTo: g.MoveTo,
	}
	out.Failovers, out.FailoverCountExpires = timesJSON(g.Failovers), timeJSON(g.FailoverCountExpires)
	out.StatusInformation = g.StatusInformation
	if q := g.QueuedMove; q != nil {
		out.QueuedMove = &queuedMoveJSON{
			OperationID: q.OperationID, To: q.To, Blocker: q.Blocker,
			Code: uint32(q.Code), CodeName: q.Code.String(), Since: timeJSON(q.Since),
		}
	}
	for _, r := range resources {
		out.Resources = append(out.Resources, groupResourceJSON{
			Name: r.Name, Type: r.Type,
			State: r.State.String(), StateCode: int32(r.State),
			Locked:   r.Locked,
			Restarts: timesJSON(r.Restarts), RestartCountExpires: timeJSON(r.RestartCountExpires),
		})
	}
	return out
}

// timeJSON renders a time as RFC 3339 in UTC; "" for the zero time (none).
func timeJSON(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// timesJSON renders a list of times (never nil).
func timesJSON(ts []time.Time) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.UTC().Format(time.RFC3339))
	}
	return out
}

// groupStatusBits names the CLUSGRP_STATUS_* bits (reference §8.1).
var groupStatusBits = []struct {
	bit  uint64
	name string
}{
	{clusapi.CLUSGRP_STATUS_LOCKED_MODE, "LOCKED_MODE"},
	{clusapi.CLUSGRP_STATUS_PREEMPTED, "PREEMPTED"},
	{clusapi.CLUSGRP_STATUS_WAITING_IN_QUEUE_FOR_MOVE, "WAITING_IN_QUEUE_FOR_MOVE"},
	{clusapi.CLUSGRP_STATUS_PHYSICAL_RESOURCES_LACKING, "PHYSICAL_RESOURCES_LACKING"},
	{clusapi.CLUSGRP_STATUS_WAITING_TO_START, "WAITING_TO_START"},
	{clusapi.CLUSGRP_STATUS_EMBEDDED_FAILURE, "EMBEDDED_FAILURE"},
	{clusapi.CLUSGRP_STATUS_OFFLINE_DUE_TO_ANTIAFFINITY_CONFLICT, "OFFLINE_DUE_TO_ANTIAFFINITY_CONFLICT"},
	{clusapi.CLUSGRP_STATUS_NETWORK_FAILURE, "NETWORK_FAILURE"},
	{clusapi.CLUSGRP_STATUS_UNMONITORED, "UNMONITORED"},
	{clusapi.CLUSGRP_STATUS_OS_HEARTBEAT, "OS_HEARTBEAT"},
	{clusapi.CLUSGRP_STATUS_APPLICATION_READY, "APPLICATION_READY"},
	{clusapi.CLUSGRP_STATUS_OFFLINE_NOT_LOCAL_DISK_OWNER, "OFFLINE_NOT_LOCAL_DISK_OWNER"},
	{clusapi.CLUSGRP_STATUS_WAITING_FOR_DEPENDENCIES, "WAITING_FOR_DEPENDENCIES"},
}

// groupStatusText renders a group's StatusInformation: the value in hex
// and the names of its bits, e.g. "0x4 (WAITING_IN_QUEUE_FOR_MOVE)".
func groupStatusText(bits uint64) string {
	var names []string
	left := bits
	for _, b := range groupStatusBits {
		if bits&b.bit != 0 {
			names = append(names, b.name)
			left &^= b.bit
		}
	}
	if left != 0 {
		names = append(names, fmt.Sprintf("0x%x", left))
	}
	if len(names) == 0 {
		return "0x0"
	}
	return fmt.Sprintf("0x%x (%s)", bits, strings.Join(names, ", "))
}

func toResourceJSON(r *clusapi.Resource) resourceJSON {
	j := resourceJSON{
		Name: r.Name, ID: r.ID, Group: r.Group, Type: r.Type,
		State: r.State.String(), StateCode: int32(r.State),
		OwnerNode: r.OwnerNode, Locked: r.Locked, LockedReason: r.LockedReason,
		PersistentState: r.PersistentState, LastError: r.LastError,
		DependsOn: nonNil(r.DependsOn), DependencyExpression: r.DependencyExpression, Properties: plist(r.PrivateProperties), CommonProperties: plist(r.CommonProperties),
		Status:   plist(r.Status),
		Restarts: timesJSON(r.Restarts), RestartCountExpires: timeJSON(r.RestartCountExpires),
	}
	if r.PossibleOwnersExplicit {
		o := nonNil(r.PossibleOwners)
		j.PossibleOwners = &o
	}
	return j
}

func toTypeJSON(t clusapi.ResourceType) typeJSON {
	out := typeJSON{
		Name: t.Name, Description: t.Description,
		OfflineParameter: t.OfflineParameter, Properties: []propertyInfoJSON{},
	}
	for _, p := range t.Properties {
		out.Properties = append(out.Properties, propertyInfoJSON{
			Name: p.Name, Kind: p.Kind, Default: p.Default, Description: p.Description,
		})
	}
	return out
}

// opResult makes the operation shape of an answer: its status and the
// operation's record ("" for none).
func opResult(subject opSubject, name string, status clusapi.Errno, operationID string) opJSON {
	out := opJSON{Status: uint32(status), StatusName: status.String(), OperationID: operationID}
	subject.set(&out, name)
	return out
}

// done makes the operation shape of a change that answered ERROR_SUCCESS.
func done(subject opSubject, name string) opJSON {
	return opResult(subject, name, clusapi.ERROR_SUCCESS, "")
}

// opSubject says which key names the object an operation acted on.
type opSubject int

const (
	subjectGroup opSubject = iota
	subjectResource
	subjectPrincipal
)

func (s opSubject) set(o *opJSON, name string) {
	switch s {
	case subjectGroup:
		o.Group = name
	case subjectResource:
		o.Resource = name
	case subjectPrincipal:
		o.Principal = name
	}
}

// Printing.

// marshal encodes v as one line of JSON, without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// printJSON writes v as one line of JSON on standard output.
func (a *app) printJSON(v any) error {
	b, err := marshal(v)
	if err != nil {
		return &runError{err: fmt.Errorf("encoding JSON: %w", err)}
	}
	_, err = a.stdout.Write(b)
	return err
}

// printOp prints an operation's answer: the JSON shape, or a line of text.
func (a *app) printOp(o opJSON) error {
	if a.jsonOut() {
		return a.printJSON(o)
	}
	name := o.Group + o.Resource + o.Principal
	line := fmt.Sprintf("%s: %s (%d)", name, o.StatusName, o.Status)
	if o.OperationID != "" {
		line += ", operation " + o.OperationID
	}
	if o.State != nil {
		line = fmt.Sprintf("%s: %s", name, *o.State)
	}
	_, err := fmt.Fprintln(a.stdout, line)
	return err
}

// maxCell is the widest a free-text table cell gets, so tables fit a
// terminal; show prints the whole text.
const maxCell = 48

// table writes rows under a header as aligned columns.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = clip(c, maxCell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// clip shortens s to n runes, marking the cut with an ellipsis.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\t", " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// kv is one line of a "key: value" block.
type kv struct{ k, v string }

// block writes "key: value" lines with the values aligned.
func block(w io.Writer, lines []kv) error {
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	for _, l := range lines {
		fmt.Fprintf(tw, "%s:\t%s\n", l.k, l.v)
	}
	return tw.Flush()
}

// propLines writes a property list indented under a heading, one
// NAME=KIND:VALUE per line.
func propLines(w io.Writer, heading string, l proplist.List) {
	if len(l) == 0 {
		fmt.Fprintf(w, "%s: (none)\n", heading)
		return
	}
	fmt.Fprintf(w, "%s:\n", heading)
	for _, p := range l {
		fmt.Fprintf(w, "  %s\n", proplist.FormatParam(p))
	}
}

// list renders a string list for text output.
func list(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ", ")
}

// orDash renders an empty string as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func persistentName(p uint32) string {
	if p != 0 {
		return "online"
	}
	return "offline"
}
