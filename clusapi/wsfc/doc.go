// Package wsfc holds the numbers of the Windows Server Failover Clustering
// client API, from the Windows SDK's clusapi.h and winerror.h and
// [MS-CMRP]: the Win32 error codes (Errno), the states of groups,
// resources and nodes, the flags of the calls, and the control codes
// (CLUSCTL_*). It is a leaf — the standard library only — so that the
// server side (the API server, the store, the operations engine, the
// resource host, the controller) uses the same codes as clients without
// importing the client library. Package clusapi gives every name here
// under the same name (clusapi.ERROR_IO_PENDING is wsfc.ERROR_IO_PENDING),
// as a program ported from Windows expects.
package wsfc
