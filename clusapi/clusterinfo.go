package clusapi

import (
	"context"
	"slices"
	"strconv"
	"strings"
)

// Cluster version numbers (ClusApi.h; the reference does not list them:
// these are the SDK header's values). They are cluster numbers, not
// Windows version numbers.
const (
	CLUSTER_VERSION_FLAG_MIXED_MODE uint32 = 0x00000001
	CLUSTER_VERSION_UNKNOWN         uint32 = 0xFFFFFFFF

	NT4_MAJOR_VERSION    uint32 = 1
	NT4SP4_MAJOR_VERSION uint32 = 2
	NT5_MAJOR_VERSION    uint32 = 3
	NT51_MAJOR_VERSION   uint32 = 4
	NT6_MAJOR_VERSION    uint32 = 5
	NT7_MAJOR_VERSION    uint32 = 6
	NT8_MAJOR_VERSION    uint32 = 7
	NT9_MAJOR_VERSION    uint32 = 8
	NT10_MAJOR_VERSION   uint32 = 9

	WS2016_TP4_UPGRADE_VERSION uint32 = 6
	WS2016_TP5_UPGRADE_VERSION uint32 = 7
	WS2016_RTM_UPGRADE_VERSION uint32 = 8
)

// CLUSTER_MAKE_VERSION makes a cluster version from its major and upgrade
// (minor) numbers.
func CLUSTER_MAKE_VERSION(major, minor uint32) uint32 { return major<<16 | minor }

// CLUSTER_GET_MAJOR_VERSION is the major number of a cluster version.
func CLUSTER_GET_MAJOR_VERSION(v uint32) uint32 { return v >> 16 }

// CLUSTER_GET_UPGRADE_VERSION is the upgrade (minor) number of a cluster
// version.
func CLUSTER_GET_UPGRADE_VERSION(v uint32) uint32 { return v & 0xFFFF }

// BatonClusterVersion is the cluster version baton reports in
// CLUSTERVERSIONINFO: Windows Server 2016's, NT10 at its release upgrade
// level, the newest whose client API (RestartClusterResource, the Ex
// enumerations, notifications V2) baton answers, so that a tool that
// compares dwClusterHighestVersion before using a function finds it.
const BatonClusterVersion uint32 = NT10_MAJOR_VERSION<<16 | WS2016_RTM_UPGRADE_VERSION // CLUSTER_MAKE_VERSION

// Sizes of the C structures, for DwVersionInfoSize.
const (
	SizeofCLUSTERVERSIONINFO_NT4 uint32 = 268 // up to szCSDVersion, padded to 4
	SizeofCLUSTERVERSIONINFO     uint32 = 284
)

// CLUSTERVERSIONINFO is the version information GetClusterInformation
// fills. The C structure's WCHAR[64] arrays are strings here (at most 63
// characters). baton's mapping:
//
//   - MajorVersion, MinorVersion, BuildNumber: the answering agent's
//     baton release (v0.9.3 is 0, 9, 3; a development build is 0, 0, 0).
//     On Windows they are the node's operating system version.
//   - SzVendorId: "baton" (Windows: "Microsoft(R) Cluster Service").
//   - SzCSDVersion: the agent's full version string, e.g. "v0.9.3" or
//     "devel" (Windows: the service pack, often "").
//   - DwClusterHighestVersion, DwClusterLowestVersion: both
//     BatonClusterVersion; every node runs the same protocol, so DwFlags
//     never has CLUSTER_VERSION_FLAG_MIXED_MODE. DwReserved is 0.
type CLUSTERVERSIONINFO struct {
	DwVersionInfoSize       uint32 // set by the caller: SizeofCLUSTERVERSIONINFO (or _NT4)
	MajorVersion            uint16
	MinorVersion            uint16
	BuildNumber             uint16
	SzVendorId              string
	SzCSDVersion            string
	DwClusterHighestVersion uint32
	DwClusterLowestVersion  uint32
	DwFlags                 uint32
	DwReserved              uint32
}

// GetClusterInformation returns the cluster's name and, when
// lpClusterInfo is non-nil, fills it with version information (see
// CLUSTERVERSIONINFO for the mapping). The name follows the C buffer
// protocol of the enumerations (enum.go): if lpcchClusterName is non-nil,
// it is the buffer's capacity in UTF-16 characters with the NUL; a name
// that does not fit answers ERROR_MORE_DATA with the length needed
// (without the NUL) and no name, and on success it is set to the name's
// length.
//
// lpClusterInfo.DwVersionInfoSize must be set, as in C: less than
// SizeofCLUSTERVERSIONINFO_NT4 answers ERROR_INVALID_PARAMETER; at least
// that but less than SizeofCLUSTERVERSIONINFO fills the fields of
// CLUSTERVERSIONINFO_NT4 only (up to SzCSDVersion), as Windows does for
// callers built against the old header (baton's choice: the page does not
// say). A NULL or closed handle answers ERROR_INVALID_HANDLE without a
// call.
func GetClusterInformation(hCluster HCLUSTER, lpcchClusterName *uint32, lpClusterInfo *CLUSTERVERSIONINFO) (lpszClusterName string, status Errno) {
	return GetClusterInformationContext(context.Background(), hCluster, lpcchClusterName, lpClusterInfo)
}

// GetClusterInformationContext is GetClusterInformation bounded by ctx.
func GetClusterInformationContext(ctx context.Context, hCluster HCLUSTER, lpcchClusterName *uint32, lpClusterInfo *CLUSTERVERSIONINFO) (lpszClusterName string, status Errno) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return "", ERROR_INVALID_HANDLE
	}
	if lpClusterInfo != nil && lpClusterInfo.DwVersionInfoSize < SizeofCLUSTERVERSIONINFO_NT4 {
		return "", ERROR_INVALID_PARAMETER
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	info, err := h.c.Cluster(ctx)
	if err != nil {
		return "", ErrnoOf(err)
	}
	if st := fitName(info.Name, lpcchClusterName); st != ERROR_SUCCESS {
		return "", st
	}
	if lpClusterInfo != nil {
		fillVersionInfo(lpClusterInfo, info.Version)
	}
	return info.Name, ERROR_SUCCESS
}

// fitName applies the C name-buffer protocol (see GetClusterInformation)
// to name.
func fitName(name string, lpcch *uint32) Errno {
	if lpcch == nil {
		return ERROR_SUCCESS
	}
	n := cch(name)
	fits := n < *lpcch
	*lpcch = n
	if !fits {
		return ERROR_MORE_DATA
	}
	return ERROR_SUCCESS
}

func fillVersionInfo(vi *CLUSTERVERSIONINFO, version string) {
	major, minor, build := releaseNumbers(version)
	size := vi.DwVersionInfoSize
	*vi = CLUSTERVERSIONINFO{DwVersionInfoSize: size, MajorVersion: major, MinorVersion: minor, BuildNumber: build,
		SzVendorId: "baton", SzCSDVersion: truncateUTF16(version, 63)}
	if size >= SizeofCLUSTERVERSIONINFO {
		vi.DwClusterHighestVersion = BatonClusterVersion
		vi.DwClusterLowestVersion = BatonClusterVersion
	}
}

// releaseNumbers reads "v1.2.3" (a pre-release or build suffix ignored);
// anything else is 0, 0, 0.
func releaseNumbers(v string) (major, minor, build uint16) {
	v, ok := strings.CutPrefix(v, "v")
	if !ok {
		return 0, 0, 0
	}
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return 0, 0, 0
	}
	var n [3]uint16
	for i, p := range parts {
		x, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return 0, 0, 0
		}
		n[i] = uint16(x)
	}
	return n[0], n[1], n[2]
}

// truncateUTF16 cuts s to at most n UTF-16 characters (a WCHAR array with
// room for the NUL).
func truncateUTF16(s string, n uint32) string {
	for cch(s) > n {
		r := []rune(s)
		s = string(r[:len(r)-1])
	}
	return s
}

// GetClusterNodeId returns the id of the node hNode names: in baton a
// node's id is its name, as CLUSCTL_NODE_GET_ID and ClusterEnumEx give it
// (Windows ids are decimal numbers, "1", "2", …). A nil hNode is the
// local node, as GetCurrentClusterNodeId is on Windows: the node of the
// local agent (OpenCluster("")). The id follows the name-buffer protocol
// of GetClusterInformation. A closed hNode answers ERROR_INVALID_HANDLE.
func GetClusterNodeId(hNode HNODE, lpcchName *uint32) (lpszNodeId string, status Errno) {
	return GetClusterNodeIdContext(context.Background(), hNode, lpcchName)
}

// GetClusterNodeIdContext is GetClusterNodeId bounded by ctx (which
// matters only for a nil hNode: the id of a node handle needs no call).
func GetClusterNodeIdContext(ctx context.Context, hNode HNODE, lpcchName *uint32) (lpszNodeId string, status Errno) {
	var id string
	if hNode == nil {
		c, err := New("")
		if err != nil {
			return "", ErrnoOf(err)
		}
		defer c.Close()
		ctx, cancel := callCtx(ctx)
		defer cancel()
		info, err := c.Cluster(ctx)
		if err != nil {
			return "", ErrnoOf(err)
		}
		id = info.Node
	} else {
		h := (*nodeHandle)(hNode)
		if !h.valid() {
			return "", ERROR_INVALID_HANDLE
		}
		id = h.name
	}
	if st := fitName(id, lpcchName); st != ERROR_SUCCESS {
		return "", st
	}
	return id, ERROR_SUCCESS
}

// OpenClusterNodeById opens a handle to the node numbered nodeId. baton
// keeps no node numbers (GetClusterNodeId gives names): a node's number
// here is its position, from 1, among the cluster's nodes sorted by name —
// the order ClusterOpenEnum(CLUSTER_ENUM_NODE) lists them in. Unlike a
// Windows node id it changes when a node whose name sorts before it joins
// or is evicted. 0, or a number past the last node, answers
// ERROR_CLUSTER_NODE_NOT_FOUND.
func OpenClusterNodeById(hCluster HCLUSTER, nodeId uint32) (HNODE, error) {
	return OpenClusterNodeByIdContext(context.Background(), hCluster, nodeId)
}

// OpenClusterNodeByIdContext is OpenClusterNodeById bounded by ctx.
func OpenClusterNodeByIdContext(ctx context.Context, hCluster HCLUSTER, nodeId uint32) (HNODE, error) {
	h := (*clusterHandle)(hCluster)
	if !h.valid() {
		return nil, invalidHandle("OpenClusterNodeById")
	}
	ctx, cancel := callCtx(ctx)
	defer cancel()
	nodes, err := h.c.ListNodes(ctx)
	if err != nil {
		return nil, handleErr(err)
	}
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	slices.Sort(names)
	if nodeId == 0 || int64(nodeId) > int64(len(names)) {
		return nil, apiErr(ERROR_CLUSTER_NODE_NOT_FOUND, "OpenClusterNodeById: no node numbered %d (the cluster has %d)", nodeId, len(names))
	}
	return &nodeHandle{cluster: h, name: names[nodeId-1]}, nil
}
