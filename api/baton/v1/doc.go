// Package batonv1 is baton's public wire contract, generated from the
// .proto files beside it (scripts/genproto.sh): the messages of the
// cluster API served by every agent over Connect.
package batonv1
