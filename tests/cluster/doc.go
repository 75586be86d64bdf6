// Package cluster tests baton by really failing nodes: several `baton agent`
// processes (the real binary, built once by TestMain) form a cluster on
// 127.0.0.1…N, each with its own data directory and embedded database
// member, and the tests kill them (SIGKILL), freeze them (SIGSTOP), stop and
// restart them, and cut one off the network (in network namespaces the test
// creates), while driving the cluster through the CLI as a user would.
//
// Every test checks the safety rule of DESIGN §6 from the outside: the
// dummy resources write a ledger (package ledger) of when they run on which
// node, and the ledger must show no resource online on two nodes at once.
//
// Needs Linux; the partition test needs root (network namespaces). Run
// with -v to see the measured failover times.
package cluster
