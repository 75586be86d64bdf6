package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"connectrpc.com/connect"

	batonv1 "github.com/batoncluster/baton/api/baton/v1"
	"github.com/batoncluster/baton/api/baton/v1/batonv1connect"
)

// fakeEvents sends its events, then ends the stream as a stopping agent
// does.
type fakeEvents struct {
	batonv1connect.UnimplementedEventServiceHandler
	events []*batonv1.Event
}

func (f *fakeEvents) Watch(_ context.Context, _ *connect.Request[batonv1.WatchRequest], s *connect.ServerStream[batonv1.Event]) error {
	for _, ev := range f.events {
		if err := s.Send(ev); err != nil {
			return err
		}
	}
	return nil
}

// 'events -o json' prints one line per event: a state for state and node
// events (none for a deleted node), an operation's kind, id and outcome;
// a stream the agent ends is a normal end.
func TestEventsJSON(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle(batonv1connect.NewEventServiceHandler(&fakeEvents{events: []*batonv1.Event{
		{Revision: 5, Kind: "sync"},
		{Revision: 6, Kind: "groupState", Action: "put", Name: "G", Group: "G", ClusterChange: 0x1000, ClusterChangeName: "CLUSTER_CHANGE_GROUP_STATE", State: 0, StateName: "Online"},
		{Revision: 7, Kind: "node", Action: "put", Name: "node2", ClusterChange: 0x4, ClusterChangeName: "CLUSTER_CHANGE_NODE_STATE", Node: &batonv1.Node{Name: "node2", State: 1, StateName: "Down"}},
		{Revision: 8, Kind: "node", Action: "delete", Name: "node2", ClusterChange: 0x2, ClusterChangeName: "CLUSTER_CHANGE_NODE_DELETED"},
		{Revision: 9, Kind: "operation", Action: "put", Name: "op-1", Group: "G", Operation: &batonv1.Operation{Id: "op-1", Kind: "OnlineGroup", Outcome: "succeeded"}},
	}}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	code, stdout, stderr := run(t, "--address", srv.URL, "-o", "json", "events")
	want := `{"revision":5,"kind":"sync"}
{"revision":6,"kind":"groupState","action":"put","name":"G","group":"G","change":4096,"changeName":"CLUSTER_CHANGE_GROUP_STATE","state":"Online","stateCode":0}
{"revision":7,"kind":"node","action":"put","name":"node2","change":4,"changeName":"CLUSTER_CHANGE_NODE_STATE","state":"Down","stateCode":1}
{"revision":8,"kind":"node","action":"delete","name":"node2","change":2,"changeName":"CLUSTER_CHANGE_NODE_DELETED"}
{"revision":9,"kind":"operation","action":"put","name":"OnlineGroup op-1","group":"G","outcome":"succeeded"}
`
	if code != ExitOK || stdout != want {
		t.Errorf("exit %d, stderr %q, stdout\n%s\nwant\n%s", code, stderr, stdout, want)
	}
}
