// Package chaos tests baton the way Jepsen and etcd's robustness tests
// test databases: real agents (the baton binary) in network namespaces,
// a driver that issues a random mix of calls through the API from several
// clients and records every call and answer, and a nemesis that kills,
// freezes, restarts and cuts off nodes at random moments. After every
// round of faults the cluster must settle where the recorded history says
// (checked with porcupine against a model of persistent states and
// properties), with no resource ever online on two nodes at once (the
// dummy type's ledger), no operation left unfinished and no agent dead by
// itself.
//
// The package's tests run a CI-sized campaign (TestChaos) and the
// Pacemaker Cluster Test Suite's scenarios that apply (TestCTS);
// bench/chaos runs long campaigns (docs/reliability.md). Needs Linux,
// root and iproute2.
package chaos
