package wsfc

import "strconv"

// Errno is a Win32 error code as returned by the WSFC cluster API (a DWORD).
//
// Errno implements error. It is a plain comparable value, so
// errors.Is(err, ERROR_GROUP_NOT_FOUND) matches by equality and
// errors.As(err, &errno) extracts the code from a wrapped error.
// ERROR_SUCCESS (0) is a valid Errno value but callers should normally
// map it to a nil error rather than return it.
type Errno uint32

// General Win32 and RPC error codes used by the cluster API (winerror.h).
const (
	// ERROR_SUCCESS (0, 0x0): The operation completed successfully.
	ERROR_SUCCESS Errno = 0
	// ERROR_INVALID_FUNCTION (1, 0x1): Unsupported function or control code.
	ERROR_INVALID_FUNCTION Errno = 1
	// ERROR_ACCESS_DENIED (5, 0x5): Insufficient access rights.
	ERROR_ACCESS_DENIED Errno = 5
	// ERROR_INVALID_HANDLE (6, 0x6): The handle does not denote a valid context.
	ERROR_INVALID_HANDLE Errno = 6
	// ERROR_SHARING_PAUSED (70, 0x46): The node is paused or the server is starting.
	ERROR_SHARING_PAUSED Errno = 70
	// ERROR_INVALID_PARAMETER (87, 0x57): A parameter (for example a flags value) is invalid.
	ERROR_INVALID_PARAMETER Errno = 87
	// ERROR_DIR_NOT_EMPTY (145, 0x91): The directory is not empty; returned when deleting a group that still contains resources.
	ERROR_DIR_NOT_EMPTY Errno = 145
	// ERROR_INVALID_NAME (123, 0x7B): The name is empty or not one the
	// cluster can store ([MS-CMRP] ApiSetGroupName, ApiSetResourceName).
	// The value is winerror.h's (H-ERR); the reference does not list it.
	ERROR_INVALID_NAME Errno = 123
	// ERROR_ALREADY_EXISTS (183, 0xB7): An object of that name exists
	// already ([MS-CMRP] ApiSetGroupName, ApiSetResourceName) or the
	// resource is in that group already (ApiChangeResourceGroup). The
	// value is winerror.h's (H-ERR); the reference does not list it.
	ERROR_ALREADY_EXISTS Errno = 183
	// ERROR_MORE_DATA (234, 0xEA): The output buffer is too small; the required size is returned.
	ERROR_MORE_DATA Errno = 234
	// WAIT_TIMEOUT (258, 0x102): The wait timed out.
	WAIT_TIMEOUT Errno = 258
	// ERROR_NO_MORE_ITEMS (259, 0x103): An enumeration has no more items.
	ERROR_NO_MORE_ITEMS Errno = 259
	// ERROR_IO_PENDING (997, 0x3E5): The request was accepted and continues asynchronously.
	ERROR_IO_PENDING Errno = 997
	// ERROR_CIRCULAR_DEPENDENCY (1059, 0x423): A circular dependency was
	// specified (AddClusterResourceDependency that would make a cycle).
	// The value is winerror.h's (H-ERR); the reference does not list it.
	ERROR_CIRCULAR_DEPENDENCY Errno = 1059
	// ERROR_SPECIAL_GROUP (1372, 0x55C): The operation is not allowed on a built-in (special) group.
	ERROR_SPECIAL_GROUP Errno = 1372
	// RPC_S_SERVER_UNAVAILABLE (1722, 0x6BA): The RPC server is unavailable.
	RPC_S_SERVER_UNAVAILABLE Errno = 1722
	// RPC_S_CALL_FAILED (1726, 0x6BE): The remote procedure call failed:
	// sent, but its answer was lost, so whether it took effect is
	// unknown (RPC_S_CALL_FAILED_DNE, 1727, would be "failed and did not
	// execute"). The value is winerror.h's (H-ERR); the reference does not
	// list it.
	RPC_S_CALL_FAILED Errno = 1726
	// RPC_X_SS_IN_NULL_CONTEXT (1775, 0x6EF): A NULL context handle was passed on the wire.
	RPC_X_SS_IN_NULL_CONTEXT Errno = 1775
)

// Cluster error codes 5001-5999 and 6250 (winerror.h). The values 5055 and
// 5091-5889 are not assigned to cluster errors.
const (
	ERROR_DEPENDENT_RESOURCE_EXISTS                                          Errno = 5001 // 0x1389
	ERROR_DEPENDENCY_NOT_FOUND                                               Errno = 5002 // 0x138A
	ERROR_DEPENDENCY_ALREADY_EXISTS                                          Errno = 5003 // 0x138B
	ERROR_RESOURCE_NOT_ONLINE                                                Errno = 5004 // 0x138C
	ERROR_HOST_NODE_NOT_AVAILABLE                                            Errno = 5005 // 0x138D
	ERROR_RESOURCE_NOT_AVAILABLE                                             Errno = 5006 // 0x138E
	ERROR_RESOURCE_NOT_FOUND                                                 Errno = 5007 // 0x138F
	ERROR_SHUTDOWN_CLUSTER                                                   Errno = 5008 // 0x1390
	ERROR_CANT_EVICT_ACTIVE_NODE                                             Errno = 5009 // 0x1391
	ERROR_OBJECT_ALREADY_EXISTS                                              Errno = 5010 // 0x1392
	ERROR_OBJECT_IN_LIST                                                     Errno = 5011 // 0x1393
	ERROR_GROUP_NOT_AVAILABLE                                                Errno = 5012 // 0x1394
	ERROR_GROUP_NOT_FOUND                                                    Errno = 5013 // 0x1395
	ERROR_GROUP_NOT_ONLINE                                                   Errno = 5014 // 0x1396
	ERROR_HOST_NODE_NOT_RESOURCE_OWNER                                       Errno = 5015 // 0x1397
	ERROR_HOST_NODE_NOT_GROUP_OWNER                                          Errno = 5016 // 0x1398
	ERROR_RESMON_CREATE_FAILED                                               Errno = 5017 // 0x1399
	ERROR_RESMON_ONLINE_FAILED                                               Errno = 5018 // 0x139A
	ERROR_RESOURCE_ONLINE                                                    Errno = 5019 // 0x139B
	ERROR_QUORUM_RESOURCE                                                    Errno = 5020 // 0x139C
	ERROR_NOT_QUORUM_CAPABLE                                                 Errno = 5021 // 0x139D
	ERROR_CLUSTER_SHUTTING_DOWN                                              Errno = 5022 // 0x139E
	ERROR_INVALID_STATE                                                      Errno = 5023 // 0x139F
	ERROR_RESOURCE_PROPERTIES_STORED                                         Errno = 5024 // 0x13A0
	ERROR_NOT_QUORUM_CLASS                                                   Errno = 5025 // 0x13A1
	ERROR_CORE_RESOURCE                                                      Errno = 5026 // 0x13A2
	ERROR_QUORUM_RESOURCE_ONLINE_FAILED                                      Errno = 5027 // 0x13A3
	ERROR_QUORUMLOG_OPEN_FAILED                                              Errno = 5028 // 0x13A4
	ERROR_CLUSTERLOG_CORRUPT                                                 Errno = 5029 // 0x13A5
	ERROR_CLUSTERLOG_RECORD_EXCEEDS_MAXSIZE                                  Errno = 5030 // 0x13A6
	ERROR_CLUSTERLOG_EXCEEDS_MAXSIZE                                         Errno = 5031 // 0x13A7
	ERROR_CLUSTERLOG_CHKPOINT_NOT_FOUND                                      Errno = 5032 // 0x13A8
	ERROR_CLUSTERLOG_NOT_ENOUGH_SPACE                                        Errno = 5033 // 0x13A9
	ERROR_QUORUM_OWNER_ALIVE                                                 Errno = 5034 // 0x13AA
	ERROR_NETWORK_NOT_AVAILABLE                                              Errno = 5035 // 0x13AB
	ERROR_NODE_NOT_AVAILABLE                                                 Errno = 5036 // 0x13AC
	ERROR_ALL_NODES_NOT_AVAILABLE                                            Errno = 5037 // 0x13AD
	ERROR_RESOURCE_FAILED                                                    Errno = 5038 // 0x13AE
	ERROR_CLUSTER_INVALID_NODE                                               Errno = 5039 // 0x13AF
	ERROR_CLUSTER_NODE_EXISTS                                                Errno = 5040 // 0x13B0
	ERROR_CLUSTER_JOIN_IN_PROGRESS                                           Errno = 5041 // 0x13B1
	ERROR_CLUSTER_NODE_NOT_FOUND                                             Errno = 5042 // 0x13B2
	ERROR_CLUSTER_LOCAL_NODE_NOT_FOUND                                       Errno = 5043 // 0x13B3
	ERROR_CLUSTER_NETWORK_EXISTS                                             Errno = 5044 // 0x13B4
	ERROR_CLUSTER_NETWORK_NOT_FOUND                                          Errno = 5045 // 0x13B5
	ERROR_CLUSTER_NETINTERFACE_EXISTS                                        Errno = 5046 // 0x13B6
	ERROR_CLUSTER_NETINTERFACE_NOT_FOUND                                     Errno = 5047 // 0x13B7
	ERROR_CLUSTER_INVALID_REQUEST                                            Errno = 5048 // 0x13B8
	ERROR_CLUSTER_INVALID_NETWORK_PROVIDER                                   Errno = 5049 // 0x13B9
	ERROR_CLUSTER_NODE_DOWN                                                  Errno = 5050 // 0x13BA
	ERROR_CLUSTER_NODE_UNREACHABLE                                           Errno = 5051 // 0x13BB
	ERROR_CLUSTER_NODE_NOT_MEMBER                                            Errno = 5052 // 0x13BC
	ERROR_CLUSTER_JOIN_NOT_IN_PROGRESS                                       Errno = 5053 // 0x13BD
	ERROR_CLUSTER_INVALID_NETWORK                                            Errno = 5054 // 0x13BE
	ERROR_CLUSTER_NODE_UP                                                    Errno = 5056 // 0x13C0
	ERROR_CLUSTER_IPADDR_IN_USE                                              Errno = 5057 // 0x13C1
	ERROR_CLUSTER_NODE_NOT_PAUSED                                            Errno = 5058 // 0x13C2
	ERROR_CLUSTER_NO_SECURITY_CONTEXT                                        Errno = 5059 // 0x13C3
	ERROR_CLUSTER_NETWORK_NOT_INTERNAL                                       Errno = 5060 // 0x13C4
	ERROR_CLUSTER_NODE_ALREADY_UP                                            Errno = 5061 // 0x13C5
	ERROR_CLUSTER_NODE_ALREADY_DOWN                                          Errno = 5062 // 0x13C6
	ERROR_CLUSTER_NETWORK_ALREADY_ONLINE                                     Errno = 5063 // 0x13C7
	ERROR_CLUSTER_NETWORK_ALREADY_OFFLINE                                    Errno = 5064 // 0x13C8
	ERROR_CLUSTER_NODE_ALREADY_MEMBER                                        Errno = 5065 // 0x13C9
	ERROR_CLUSTER_LAST_INTERNAL_NETWORK                                      Errno = 5066 // 0x13CA
	ERROR_CLUSTER_NETWORK_HAS_DEPENDENTS                                     Errno = 5067 // 0x13CB
	ERROR_INVALID_OPERATION_ON_QUORUM                                        Errno = 5068 // 0x13CC
	ERROR_DEPENDENCY_NOT_ALLOWED                                             Errno = 5069 // 0x13CD
	ERROR_CLUSTER_NODE_PAUSED                                                Errno = 5070 // 0x13CE
	ERROR_NODE_CANT_HOST_RESOURCE                                            Errno = 5071 // 0x13CF
	ERROR_CLUSTER_NODE_NOT_READY                                             Errno = 5072 // 0x13D0
	ERROR_CLUSTER_NODE_SHUTTING_DOWN                                         Errno = 5073 // 0x13D1
	ERROR_CLUSTER_JOIN_ABORTED                                               Errno = 5074 // 0x13D2
	ERROR_CLUSTER_INCOMPATIBLE_VERSIONS                                      Errno = 5075 // 0x13D3
	ERROR_CLUSTER_MAXNUM_OF_RESOURCES_EXCEEDED                               Errno = 5076 // 0x13D4
	ERROR_CLUSTER_SYSTEM_CONFIG_CHANGED                                      Errno = 5077 // 0x13D5
	ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND                                    Errno = 5078 // 0x13D6
	ERROR_CLUSTER_RESTYPE_NOT_SUPPORTED                                      Errno = 5079 // 0x13D7
	ERROR_CLUSTER_RESNAME_NOT_FOUND                                          Errno = 5080 // 0x13D8
	ERROR_CLUSTER_NO_RPC_PACKAGES_REGISTERED                                 Errno = 5081 // 0x13D9
	ERROR_CLUSTER_OWNER_NOT_IN_PREFLIST                                      Errno = 5082 // 0x13DA
	ERROR_CLUSTER_DATABASE_SEQMISMATCH                                       Errno = 5083 // 0x13DB
	ERROR_RESMON_INVALID_STATE                                               Errno = 5084 // 0x13DC
	ERROR_CLUSTER_GUM_NOT_LOCKER                                             Errno = 5085 // 0x13DD
	ERROR_QUORUM_DISK_NOT_FOUND                                              Errno = 5086 // 0x13DE
	ERROR_DATABASE_BACKUP_CORRUPT                                            Errno = 5087 // 0x13DF
	ERROR_CLUSTER_NODE_ALREADY_HAS_DFS_ROOT                                  Errno = 5088 // 0x13E0
	ERROR_RESOURCE_PROPERTY_UNCHANGEABLE                                     Errno = 5089 // 0x13E1
	ERROR_NO_ADMIN_ACCESS_POINT                                              Errno = 5090 // 0x13E2
	ERROR_CLUSTER_MEMBERSHIP_INVALID_STATE                                   Errno = 5890 // 0x1702
	ERROR_CLUSTER_QUORUMLOG_NOT_FOUND                                        Errno = 5891 // 0x1703
	ERROR_CLUSTER_MEMBERSHIP_HALT                                            Errno = 5892 // 0x1704
	ERROR_CLUSTER_INSTANCE_ID_MISMATCH                                       Errno = 5893 // 0x1705
	ERROR_CLUSTER_NETWORK_NOT_FOUND_FOR_IP                                   Errno = 5894 // 0x1706
	ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH                                Errno = 5895 // 0x1707
	ERROR_CLUSTER_EVICT_WITHOUT_CLEANUP                                      Errno = 5896 // 0x1708
	ERROR_CLUSTER_PARAMETER_MISMATCH                                         Errno = 5897 // 0x1709
	ERROR_NODE_CANNOT_BE_CLUSTERED                                           Errno = 5898 // 0x170A
	ERROR_CLUSTER_WRONG_OS_VERSION                                           Errno = 5899 // 0x170B
	ERROR_CLUSTER_CANT_CREATE_DUP_CLUSTER_NAME                               Errno = 5900 // 0x170C
	ERROR_CLUSCFG_ALREADY_COMMITTED                                          Errno = 5901 // 0x170D
	ERROR_CLUSCFG_ROLLBACK_FAILED                                            Errno = 5902 // 0x170E
	ERROR_CLUSCFG_SYSTEM_DISK_DRIVE_LETTER_CONFLICT                          Errno = 5903 // 0x170F
	ERROR_CLUSTER_OLD_VERSION                                                Errno = 5904 // 0x1710
	ERROR_CLUSTER_MISMATCHED_COMPUTER_ACCT_NAME                              Errno = 5905 // 0x1711
	ERROR_CLUSTER_NO_NET_ADAPTERS                                            Errno = 5906 // 0x1712
	ERROR_CLUSTER_POISONED                                                   Errno = 5907 // 0x1713
	ERROR_CLUSTER_GROUP_MOVING                                               Errno = 5908 // 0x1714
	ERROR_CLUSTER_RESOURCE_TYPE_BUSY                                         Errno = 5909 // 0x1715
	ERROR_RESOURCE_CALL_TIMED_OUT                                            Errno = 5910 // 0x1716
	ERROR_INVALID_CLUSTER_IPV6_ADDRESS                                       Errno = 5911 // 0x1717
	ERROR_CLUSTER_INTERNAL_INVALID_FUNCTION                                  Errno = 5912 // 0x1718
	ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS                                    Errno = 5913 // 0x1719
	ERROR_CLUSTER_PARTIAL_SEND                                               Errno = 5914 // 0x171A
	ERROR_CLUSTER_REGISTRY_INVALID_FUNCTION                                  Errno = 5915 // 0x171B
	ERROR_CLUSTER_INVALID_STRING_TERMINATION                                 Errno = 5916 // 0x171C
	ERROR_CLUSTER_INVALID_STRING_FORMAT                                      Errno = 5917 // 0x171D
	ERROR_CLUSTER_DATABASE_TRANSACTION_IN_PROGRESS                           Errno = 5918 // 0x171E
	ERROR_CLUSTER_DATABASE_TRANSACTION_NOT_IN_PROGRESS                       Errno = 5919 // 0x171F
	ERROR_CLUSTER_NULL_DATA                                                  Errno = 5920 // 0x1720
	ERROR_CLUSTER_PARTIAL_READ                                               Errno = 5921 // 0x1721
	ERROR_CLUSTER_PARTIAL_WRITE                                              Errno = 5922 // 0x1722
	ERROR_CLUSTER_CANT_DESERIALIZE_DATA                                      Errno = 5923 // 0x1723
	ERROR_DEPENDENT_RESOURCE_PROPERTY_CONFLICT                               Errno = 5924 // 0x1724
	ERROR_CLUSTER_NO_QUORUM                                                  Errno = 5925 // 0x1725
	ERROR_CLUSTER_INVALID_IPV6_NETWORK                                       Errno = 5926 // 0x1726
	ERROR_CLUSTER_INVALID_IPV6_TUNNEL_NETWORK                                Errno = 5927 // 0x1727
	ERROR_QUORUM_NOT_ALLOWED_IN_THIS_GROUP                                   Errno = 5928 // 0x1728
	ERROR_DEPENDENCY_TREE_TOO_COMPLEX                                        Errno = 5929 // 0x1729
	ERROR_EXCEPTION_IN_RESOURCE_CALL                                         Errno = 5930 // 0x172A
	ERROR_CLUSTER_RHS_FAILED_INITIALIZATION                                  Errno = 5931 // 0x172B
	ERROR_CLUSTER_NOT_INSTALLED                                              Errno = 5932 // 0x172C
	ERROR_CLUSTER_RESOURCES_MUST_BE_ONLINE_ON_THE_SAME_NODE                  Errno = 5933 // 0x172D
	ERROR_CLUSTER_MAX_NODES_IN_CLUSTER                                       Errno = 5934 // 0x172E
	ERROR_CLUSTER_TOO_MANY_NODES                                             Errno = 5935 // 0x172F
	ERROR_CLUSTER_OBJECT_ALREADY_USED                                        Errno = 5936 // 0x1730
	ERROR_NONCORE_GROUPS_FOUND                                               Errno = 5937 // 0x1731
	ERROR_FILE_SHARE_RESOURCE_CONFLICT                                       Errno = 5938 // 0x1732
	ERROR_CLUSTER_EVICT_INVALID_REQUEST                                      Errno = 5939 // 0x1733
	ERROR_CLUSTER_SINGLETON_RESOURCE                                         Errno = 5940 // 0x1734
	ERROR_CLUSTER_GROUP_SINGLETON_RESOURCE                                   Errno = 5941 // 0x1735
	ERROR_CLUSTER_RESOURCE_PROVIDER_FAILED                                   Errno = 5942 // 0x1736
	ERROR_CLUSTER_RESOURCE_CONFIGURATION_ERROR                               Errno = 5943 // 0x1737
	ERROR_CLUSTER_GROUP_BUSY                                                 Errno = 5944 // 0x1738
	ERROR_CLUSTER_NOT_SHARED_VOLUME                                          Errno = 5945 // 0x1739
	ERROR_CLUSTER_INVALID_SECURITY_DESCRIPTOR                                Errno = 5946 // 0x173A
	ERROR_CLUSTER_SHARED_VOLUMES_IN_USE                                      Errno = 5947 // 0x173B
	ERROR_CLUSTER_USE_SHARED_VOLUMES_API                                     Errno = 5948 // 0x173C
	ERROR_CLUSTER_BACKUP_IN_PROGRESS                                         Errno = 5949 // 0x173D
	ERROR_NON_CSV_PATH                                                       Errno = 5950 // 0x173E
	ERROR_CSV_VOLUME_NOT_LOCAL                                               Errno = 5951 // 0x173F
	ERROR_CLUSTER_WATCHDOG_TERMINATING                                       Errno = 5952 // 0x1740
	ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES                    Errno = 5953 // 0x1741
	ERROR_CLUSTER_INVALID_NODE_WEIGHT                                        Errno = 5954 // 0x1742
	ERROR_CLUSTER_RESOURCE_VETOED_CALL                                       Errno = 5955 // 0x1743
	ERROR_RESMON_SYSTEM_RESOURCES_LACKING                                    Errno = 5956 // 0x1744
	ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_DESTINATION   Errno = 5957 // 0x1745
	ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_SOURCE        Errno = 5958 // 0x1746
	ERROR_CLUSTER_GROUP_QUEUED                                               Errno = 5959 // 0x1747
	ERROR_CLUSTER_RESOURCE_LOCKED_STATUS                                     Errno = 5960 // 0x1748
	ERROR_CLUSTER_SHARED_VOLUME_FAILOVER_NOT_ALLOWED                         Errno = 5961 // 0x1749
	ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS                                     Errno = 5962 // 0x174A
	ERROR_CLUSTER_DISK_NOT_CONNECTED                                         Errno = 5963 // 0x174B
	ERROR_DISK_NOT_CSV_CAPABLE                                               Errno = 5964 // 0x174C
	ERROR_RESOURCE_NOT_IN_AVAILABLE_STORAGE                                  Errno = 5965 // 0x174D
	ERROR_CLUSTER_SHARED_VOLUME_REDIRECTED                                   Errno = 5966 // 0x174E
	ERROR_CLUSTER_SHARED_VOLUME_NOT_REDIRECTED                               Errno = 5967 // 0x174F
	ERROR_CLUSTER_CANNOT_RETURN_PROPERTIES                                   Errno = 5968 // 0x1750
	ERROR_CLUSTER_RESOURCE_CONTAINS_UNSUPPORTED_DIFF_AREA_FOR_SHARED_VOLUMES Errno = 5969 // 0x1751
	ERROR_CLUSTER_RESOURCE_IS_IN_MAINTENANCE_MODE                            Errno = 5970 // 0x1752
	ERROR_CLUSTER_AFFINITY_CONFLICT                                          Errno = 5971 // 0x1753
	ERROR_CLUSTER_RESOURCE_IS_REPLICA_VIRTUAL_MACHINE                        Errno = 5972 // 0x1754
	ERROR_CLUSTER_UPGRADE_INCOMPATIBLE_VERSIONS                              Errno = 5973 // 0x1755
	ERROR_CLUSTER_UPGRADE_FIX_QUORUM_NOT_SUPPORTED                           Errno = 5974 // 0x1756
	ERROR_CLUSTER_UPGRADE_RESTART_REQUIRED                                   Errno = 5975 // 0x1757
	ERROR_CLUSTER_UPGRADE_IN_PROGRESS                                        Errno = 5976 // 0x1758
	ERROR_CLUSTER_UPGRADE_INCOMPLETE                                         Errno = 5977 // 0x1759
	ERROR_CLUSTER_NODE_IN_GRACE_PERIOD                                       Errno = 5978 // 0x175A
	ERROR_CLUSTER_CSV_IO_PAUSE_TIMEOUT                                       Errno = 5979 // 0x175B
	ERROR_NODE_NOT_ACTIVE_CLUSTER_MEMBER                                     Errno = 5980 // 0x175C
	ERROR_CLUSTER_RESOURCE_NOT_MONITORED                                     Errno = 5981 // 0x175D
	ERROR_CLUSTER_RESOURCE_DOES_NOT_SUPPORT_UNMONITORED                      Errno = 5982 // 0x175E
	ERROR_CLUSTER_RESOURCE_IS_REPLICATED                                     Errno = 5983 // 0x175F
	ERROR_CLUSTER_NODE_ISOLATED                                              Errno = 5984 // 0x1760
	ERROR_CLUSTER_NODE_QUARANTINED                                           Errno = 5985 // 0x1761
	ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED                           Errno = 5986 // 0x1762
	ERROR_CLUSTER_SPACE_DEGRADED                                             Errno = 5987 // 0x1763
	ERROR_CLUSTER_TOKEN_DELEGATION_NOT_SUPPORTED                             Errno = 5988 // 0x1764
	ERROR_CLUSTER_CSV_INVALID_HANDLE                                         Errno = 5989 // 0x1765
	ERROR_CLUSTER_CSV_SUPPORTED_ONLY_ON_COORDINATOR                          Errno = 5990 // 0x1766
	ERROR_GROUPSET_NOT_AVAILABLE                                             Errno = 5991 // 0x1767
	ERROR_GROUPSET_NOT_FOUND                                                 Errno = 5992 // 0x1768
	ERROR_GROUPSET_CANT_PROVIDE                                              Errno = 5993 // 0x1769
	ERROR_CLUSTER_FAULT_DOMAIN_PARENT_NOT_FOUND                              Errno = 5994 // 0x176A
	ERROR_CLUSTER_FAULT_DOMAIN_INVALID_HIERARCHY                             Errno = 5995 // 0x176B
	ERROR_CLUSTER_FAULT_DOMAIN_FAILED_S2D_VALIDATION                         Errno = 5996 // 0x176C
	ERROR_CLUSTER_FAULT_DOMAIN_S2D_CONNECTIVITY_LOSS                         Errno = 5997 // 0x176D
	ERROR_CLUSTER_INVALID_INFRASTRUCTURE_FILESERVER_NAME                     Errno = 5998 // 0x176E
	ERROR_CLUSTERSET_MANAGEMENT_CLUSTER_UNREACHABLE                          Errno = 5999 // 0x176F
	ERROR_CLUSTER_OBJECT_IS_CLUSTER_SET_VM                                   Errno = 6250 // 0x186A
)

// errnoNames maps every Errno constant defined in this package to its Win32 name.
var errnoNames = map[Errno]string{
	ERROR_SUCCESS:                                                            "ERROR_SUCCESS",
	ERROR_INVALID_FUNCTION:                                                   "ERROR_INVALID_FUNCTION",
	ERROR_ACCESS_DENIED:                                                      "ERROR_ACCESS_DENIED",
	ERROR_INVALID_HANDLE:                                                     "ERROR_INVALID_HANDLE",
	ERROR_SHARING_PAUSED:                                                     "ERROR_SHARING_PAUSED",
	ERROR_INVALID_PARAMETER:                                                  "ERROR_INVALID_PARAMETER",
	ERROR_DIR_NOT_EMPTY:                                                      "ERROR_DIR_NOT_EMPTY",
	ERROR_INVALID_NAME:                                                       "ERROR_INVALID_NAME",
	ERROR_ALREADY_EXISTS:                                                     "ERROR_ALREADY_EXISTS",
	ERROR_MORE_DATA:                                                          "ERROR_MORE_DATA",
	WAIT_TIMEOUT:                                                             "WAIT_TIMEOUT",
	ERROR_NO_MORE_ITEMS:                                                      "ERROR_NO_MORE_ITEMS",
	ERROR_IO_PENDING:                                                         "ERROR_IO_PENDING",
	ERROR_CIRCULAR_DEPENDENCY:                                                "ERROR_CIRCULAR_DEPENDENCY",
	ERROR_SPECIAL_GROUP:                                                      "ERROR_SPECIAL_GROUP",
	RPC_S_SERVER_UNAVAILABLE:                                                 "RPC_S_SERVER_UNAVAILABLE",
	RPC_S_CALL_FAILED:                                                        "RPC_S_CALL_FAILED",
	RPC_X_SS_IN_NULL_CONTEXT:                                                 "RPC_X_SS_IN_NULL_CONTEXT",
	ERROR_DEPENDENT_RESOURCE_EXISTS:                                          "ERROR_DEPENDENT_RESOURCE_EXISTS",
	ERROR_DEPENDENCY_NOT_FOUND:                                               "ERROR_DEPENDENCY_NOT_FOUND",
	ERROR_DEPENDENCY_ALREADY_EXISTS:                                          "ERROR_DEPENDENCY_ALREADY_EXISTS",
	ERROR_RESOURCE_NOT_ONLINE:                                                "ERROR_RESOURCE_NOT_ONLINE",
	ERROR_HOST_NODE_NOT_AVAILABLE:                                            "ERROR_HOST_NODE_NOT_AVAILABLE",
	ERROR_RESOURCE_NOT_AVAILABLE:                                             "ERROR_RESOURCE_NOT_AVAILABLE",
	ERROR_RESOURCE_NOT_FOUND:                                                 "ERROR_RESOURCE_NOT_FOUND",
	ERROR_SHUTDOWN_CLUSTER:                                                   "ERROR_SHUTDOWN_CLUSTER",
	ERROR_CANT_EVICT_ACTIVE_NODE:                                             "ERROR_CANT_EVICT_ACTIVE_NODE",
	ERROR_OBJECT_ALREADY_EXISTS:                                              "ERROR_OBJECT_ALREADY_EXISTS",
	ERROR_OBJECT_IN_LIST:                                                     "ERROR_OBJECT_IN_LIST",
	ERROR_GROUP_NOT_AVAILABLE:                                                "ERROR_GROUP_NOT_AVAILABLE",
	ERROR_GROUP_NOT_FOUND:                                                    "ERROR_GROUP_NOT_FOUND",
	ERROR_GROUP_NOT_ONLINE:                                                   "ERROR_GROUP_NOT_ONLINE",
	ERROR_HOST_NODE_NOT_RESOURCE_OWNER:                                       "ERROR_HOST_NODE_NOT_RESOURCE_OWNER",
	ERROR_HOST_NODE_NOT_GROUP_OWNER:                                          "ERROR_HOST_NODE_NOT_GROUP_OWNER",
	ERROR_RESMON_CREATE_FAILED:                                               "ERROR_RESMON_CREATE_FAILED",
	ERROR_RESMON_ONLINE_FAILED:                                               "ERROR_RESMON_ONLINE_FAILED",
	ERROR_RESOURCE_ONLINE:                                                    "ERROR_RESOURCE_ONLINE",
	ERROR_QUORUM_RESOURCE:                                                    "ERROR_QUORUM_RESOURCE",
	ERROR_NOT_QUORUM_CAPABLE:                                                 "ERROR_NOT_QUORUM_CAPABLE",
	ERROR_CLUSTER_SHUTTING_DOWN:                                              "ERROR_CLUSTER_SHUTTING_DOWN",
	ERROR_INVALID_STATE:                                                      "ERROR_INVALID_STATE",
	ERROR_RESOURCE_PROPERTIES_STORED:                                         "ERROR_RESOURCE_PROPERTIES_STORED",
	ERROR_NOT_QUORUM_CLASS:                                                   "ERROR_NOT_QUORUM_CLASS",
	ERROR_CORE_RESOURCE:                                                      "ERROR_CORE_RESOURCE",
	ERROR_QUORUM_RESOURCE_ONLINE_FAILED:                                      "ERROR_QUORUM_RESOURCE_ONLINE_FAILED",
	ERROR_QUORUMLOG_OPEN_FAILED:                                              "ERROR_QUORUMLOG_OPEN_FAILED",
	ERROR_CLUSTERLOG_CORRUPT:                                                 "ERROR_CLUSTERLOG_CORRUPT",
	ERROR_CLUSTERLOG_RECORD_EXCEEDS_MAXSIZE:                                  "ERROR_CLUSTERLOG_RECORD_EXCEEDS_MAXSIZE",
	ERROR_CLUSTERLOG_EXCEEDS_MAXSIZE:                                         "ERROR_CLUSTERLOG_EXCEEDS_MAXSIZE",
	ERROR_CLUSTERLOG_CHKPOINT_NOT_FOUND:                                      "ERROR_CLUSTERLOG_CHKPOINT_NOT_FOUND",
	ERROR_CLUSTERLOG_NOT_ENOUGH_SPACE:                                        "ERROR_CLUSTERLOG_NOT_ENOUGH_SPACE",
	ERROR_QUORUM_OWNER_ALIVE:                                                 "ERROR_QUORUM_OWNER_ALIVE",
	ERROR_NETWORK_NOT_AVAILABLE:                                              "ERROR_NETWORK_NOT_AVAILABLE",
	ERROR_NODE_NOT_AVAILABLE:                                                 "ERROR_NODE_NOT_AVAILABLE",
	ERROR_ALL_NODES_NOT_AVAILABLE:                                            "ERROR_ALL_NODES_NOT_AVAILABLE",
	ERROR_RESOURCE_FAILED:                                                    "ERROR_RESOURCE_FAILED",
	ERROR_CLUSTER_INVALID_NODE:                                               "ERROR_CLUSTER_INVALID_NODE",
	ERROR_CLUSTER_NODE_EXISTS:                                                "ERROR_CLUSTER_NODE_EXISTS",
	ERROR_CLUSTER_JOIN_IN_PROGRESS:                                           "ERROR_CLUSTER_JOIN_IN_PROGRESS",
	ERROR_CLUSTER_NODE_NOT_FOUND:                                             "ERROR_CLUSTER_NODE_NOT_FOUND",
	ERROR_CLUSTER_LOCAL_NODE_NOT_FOUND:                                       "ERROR_CLUSTER_LOCAL_NODE_NOT_FOUND",
	ERROR_CLUSTER_NETWORK_EXISTS:                                             "ERROR_CLUSTER_NETWORK_EXISTS",
	ERROR_CLUSTER_NETWORK_NOT_FOUND:                                          "ERROR_CLUSTER_NETWORK_NOT_FOUND",
	ERROR_CLUSTER_NETINTERFACE_EXISTS:                                        "ERROR_CLUSTER_NETINTERFACE_EXISTS",
	ERROR_CLUSTER_NETINTERFACE_NOT_FOUND:                                     "ERROR_CLUSTER_NETINTERFACE_NOT_FOUND",
	ERROR_CLUSTER_INVALID_REQUEST:                                            "ERROR_CLUSTER_INVALID_REQUEST",
	ERROR_CLUSTER_INVALID_NETWORK_PROVIDER:                                   "ERROR_CLUSTER_INVALID_NETWORK_PROVIDER",
	ERROR_CLUSTER_NODE_DOWN:                                                  "ERROR_CLUSTER_NODE_DOWN",
	ERROR_CLUSTER_NODE_UNREACHABLE:                                           "ERROR_CLUSTER_NODE_UNREACHABLE",
	ERROR_CLUSTER_NODE_NOT_MEMBER:                                            "ERROR_CLUSTER_NODE_NOT_MEMBER",
	ERROR_CLUSTER_JOIN_NOT_IN_PROGRESS:                                       "ERROR_CLUSTER_JOIN_NOT_IN_PROGRESS",
	ERROR_CLUSTER_INVALID_NETWORK:                                            "ERROR_CLUSTER_INVALID_NETWORK",
	ERROR_CLUSTER_NODE_UP:                                                    "ERROR_CLUSTER_NODE_UP",
	ERROR_CLUSTER_IPADDR_IN_USE:                                              "ERROR_CLUSTER_IPADDR_IN_USE",
	ERROR_CLUSTER_NODE_NOT_PAUSED:                                            "ERROR_CLUSTER_NODE_NOT_PAUSED",
	ERROR_CLUSTER_NO_SECURITY_CONTEXT:                                        "ERROR_CLUSTER_NO_SECURITY_CONTEXT",
	ERROR_CLUSTER_NETWORK_NOT_INTERNAL:                                       "ERROR_CLUSTER_NETWORK_NOT_INTERNAL",
	ERROR_CLUSTER_NODE_ALREADY_UP:                                            "ERROR_CLUSTER_NODE_ALREADY_UP",
	ERROR_CLUSTER_NODE_ALREADY_DOWN:                                          "ERROR_CLUSTER_NODE_ALREADY_DOWN",
	ERROR_CLUSTER_NETWORK_ALREADY_ONLINE:                                     "ERROR_CLUSTER_NETWORK_ALREADY_ONLINE",
	ERROR_CLUSTER_NETWORK_ALREADY_OFFLINE:                                    "ERROR_CLUSTER_NETWORK_ALREADY_OFFLINE",
	ERROR_CLUSTER_NODE_ALREADY_MEMBER:                                        "ERROR_CLUSTER_NODE_ALREADY_MEMBER",
	ERROR_CLUSTER_LAST_INTERNAL_NETWORK:                                      "ERROR_CLUSTER_LAST_INTERNAL_NETWORK",
	ERROR_CLUSTER_NETWORK_HAS_DEPENDENTS:                                     "ERROR_CLUSTER_NETWORK_HAS_DEPENDENTS",
	ERROR_INVALID_OPERATION_ON_QUORUM:                                        "ERROR_INVALID_OPERATION_ON_QUORUM",
	ERROR_DEPENDENCY_NOT_ALLOWED:                                             "ERROR_DEPENDENCY_NOT_ALLOWED",
	ERROR_CLUSTER_NODE_PAUSED:                                                "ERROR_CLUSTER_NODE_PAUSED",
	ERROR_NODE_CANT_HOST_RESOURCE:                                            "ERROR_NODE_CANT_HOST_RESOURCE",
	ERROR_CLUSTER_NODE_NOT_READY:                                             "ERROR_CLUSTER_NODE_NOT_READY",
	ERROR_CLUSTER_NODE_SHUTTING_DOWN:                                         "ERROR_CLUSTER_NODE_SHUTTING_DOWN",
	ERROR_CLUSTER_JOIN_ABORTED:                                               "ERROR_CLUSTER_JOIN_ABORTED",
	ERROR_CLUSTER_INCOMPATIBLE_VERSIONS:                                      "ERROR_CLUSTER_INCOMPATIBLE_VERSIONS",
	ERROR_CLUSTER_MAXNUM_OF_RESOURCES_EXCEEDED:                               "ERROR_CLUSTER_MAXNUM_OF_RESOURCES_EXCEEDED",
	ERROR_CLUSTER_SYSTEM_CONFIG_CHANGED:                                      "ERROR_CLUSTER_SYSTEM_CONFIG_CHANGED",
	ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND:                                    "ERROR_CLUSTER_RESOURCE_TYPE_NOT_FOUND",
	ERROR_CLUSTER_RESTYPE_NOT_SUPPORTED:                                      "ERROR_CLUSTER_RESTYPE_NOT_SUPPORTED",
	ERROR_CLUSTER_RESNAME_NOT_FOUND:                                          "ERROR_CLUSTER_RESNAME_NOT_FOUND",
	ERROR_CLUSTER_NO_RPC_PACKAGES_REGISTERED:                                 "ERROR_CLUSTER_NO_RPC_PACKAGES_REGISTERED",
	ERROR_CLUSTER_OWNER_NOT_IN_PREFLIST:                                      "ERROR_CLUSTER_OWNER_NOT_IN_PREFLIST",
	ERROR_CLUSTER_DATABASE_SEQMISMATCH:                                       "ERROR_CLUSTER_DATABASE_SEQMISMATCH",
	ERROR_RESMON_INVALID_STATE:                                               "ERROR_RESMON_INVALID_STATE",
	ERROR_CLUSTER_GUM_NOT_LOCKER:                                             "ERROR_CLUSTER_GUM_NOT_LOCKER",
	ERROR_QUORUM_DISK_NOT_FOUND:                                              "ERROR_QUORUM_DISK_NOT_FOUND",
	ERROR_DATABASE_BACKUP_CORRUPT:                                            "ERROR_DATABASE_BACKUP_CORRUPT",
	ERROR_CLUSTER_NODE_ALREADY_HAS_DFS_ROOT:                                  "ERROR_CLUSTER_NODE_ALREADY_HAS_DFS_ROOT",
	ERROR_RESOURCE_PROPERTY_UNCHANGEABLE:                                     "ERROR_RESOURCE_PROPERTY_UNCHANGEABLE",
	ERROR_NO_ADMIN_ACCESS_POINT:                                              "ERROR_NO_ADMIN_ACCESS_POINT",
	ERROR_CLUSTER_MEMBERSHIP_INVALID_STATE:                                   "ERROR_CLUSTER_MEMBERSHIP_INVALID_STATE",
	ERROR_CLUSTER_QUORUMLOG_NOT_FOUND:                                        "ERROR_CLUSTER_QUORUMLOG_NOT_FOUND",
	ERROR_CLUSTER_MEMBERSHIP_HALT:                                            "ERROR_CLUSTER_MEMBERSHIP_HALT",
	ERROR_CLUSTER_INSTANCE_ID_MISMATCH:                                       "ERROR_CLUSTER_INSTANCE_ID_MISMATCH",
	ERROR_CLUSTER_NETWORK_NOT_FOUND_FOR_IP:                                   "ERROR_CLUSTER_NETWORK_NOT_FOUND_FOR_IP",
	ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH:                                "ERROR_CLUSTER_PROPERTY_DATA_TYPE_MISMATCH",
	ERROR_CLUSTER_EVICT_WITHOUT_CLEANUP:                                      "ERROR_CLUSTER_EVICT_WITHOUT_CLEANUP",
	ERROR_CLUSTER_PARAMETER_MISMATCH:                                         "ERROR_CLUSTER_PARAMETER_MISMATCH",
	ERROR_NODE_CANNOT_BE_CLUSTERED:                                           "ERROR_NODE_CANNOT_BE_CLUSTERED",
	ERROR_CLUSTER_WRONG_OS_VERSION:                                           "ERROR_CLUSTER_WRONG_OS_VERSION",
	ERROR_CLUSTER_CANT_CREATE_DUP_CLUSTER_NAME:                               "ERROR_CLUSTER_CANT_CREATE_DUP_CLUSTER_NAME",
	ERROR_CLUSCFG_ALREADY_COMMITTED:                                          "ERROR_CLUSCFG_ALREADY_COMMITTED",
	ERROR_CLUSCFG_ROLLBACK_FAILED:                                            "ERROR_CLUSCFG_ROLLBACK_FAILED",
	ERROR_CLUSCFG_SYSTEM_DISK_DRIVE_LETTER_CONFLICT:                          "ERROR_CLUSCFG_SYSTEM_DISK_DRIVE_LETTER_CONFLICT",
	ERROR_CLUSTER_OLD_VERSION:                                                "ERROR_CLUSTER_OLD_VERSION",
	ERROR_CLUSTER_MISMATCHED_COMPUTER_ACCT_NAME:                              "ERROR_CLUSTER_MISMATCHED_COMPUTER_ACCT_NAME",
	ERROR_CLUSTER_NO_NET_ADAPTERS:                                            "ERROR_CLUSTER_NO_NET_ADAPTERS",
	ERROR_CLUSTER_POISONED:                                                   "ERROR_CLUSTER_POISONED",
	ERROR_CLUSTER_GROUP_MOVING:                                               "ERROR_CLUSTER_GROUP_MOVING",
	ERROR_CLUSTER_RESOURCE_TYPE_BUSY:                                         "ERROR_CLUSTER_RESOURCE_TYPE_BUSY",
	ERROR_RESOURCE_CALL_TIMED_OUT:                                            "ERROR_RESOURCE_CALL_TIMED_OUT",
	ERROR_INVALID_CLUSTER_IPV6_ADDRESS:                                       "ERROR_INVALID_CLUSTER_IPV6_ADDRESS",
	ERROR_CLUSTER_INTERNAL_INVALID_FUNCTION:                                  "ERROR_CLUSTER_INTERNAL_INVALID_FUNCTION",
	ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS:                                    "ERROR_CLUSTER_PARAMETER_OUT_OF_BOUNDS",
	ERROR_CLUSTER_PARTIAL_SEND:                                               "ERROR_CLUSTER_PARTIAL_SEND",
	ERROR_CLUSTER_REGISTRY_INVALID_FUNCTION:                                  "ERROR_CLUSTER_REGISTRY_INVALID_FUNCTION",
	ERROR_CLUSTER_INVALID_STRING_TERMINATION:                                 "ERROR_CLUSTER_INVALID_STRING_TERMINATION",
	ERROR_CLUSTER_INVALID_STRING_FORMAT:                                      "ERROR_CLUSTER_INVALID_STRING_FORMAT",
	ERROR_CLUSTER_DATABASE_TRANSACTION_IN_PROGRESS:                           "ERROR_CLUSTER_DATABASE_TRANSACTION_IN_PROGRESS",
	ERROR_CLUSTER_DATABASE_TRANSACTION_NOT_IN_PROGRESS:                       "ERROR_CLUSTER_DATABASE_TRANSACTION_NOT_IN_PROGRESS",
	ERROR_CLUSTER_NULL_DATA:                                                  "ERROR_CLUSTER_NULL_DATA",
	ERROR_CLUSTER_PARTIAL_READ:                                               "ERROR_CLUSTER_PARTIAL_READ",
	ERROR_CLUSTER_PARTIAL_WRITE:                                              "ERROR_CLUSTER_PARTIAL_WRITE",
	ERROR_CLUSTER_CANT_DESERIALIZE_DATA:                                      "ERROR_CLUSTER_CANT_DESERIALIZE_DATA",
	ERROR_DEPENDENT_RESOURCE_PROPERTY_CONFLICT:                               "ERROR_DEPENDENT_RESOURCE_PROPERTY_CONFLICT",
	ERROR_CLUSTER_NO_QUORUM:                                                  "ERROR_CLUSTER_NO_QUORUM",
	ERROR_CLUSTER_INVALID_IPV6_NETWORK:                                       "ERROR_CLUSTER_INVALID_IPV6_NETWORK",
	ERROR_CLUSTER_INVALID_IPV6_TUNNEL_NETWORK:                                "ERROR_CLUSTER_INVALID_IPV6_TUNNEL_NETWORK",
	ERROR_QUORUM_NOT_ALLOWED_IN_THIS_GROUP:                                   "ERROR_QUORUM_NOT_ALLOWED_IN_THIS_GROUP",
	ERROR_DEPENDENCY_TREE_TOO_COMPLEX:                                        "ERROR_DEPENDENCY_TREE_TOO_COMPLEX",
	ERROR_EXCEPTION_IN_RESOURCE_CALL:                                         "ERROR_EXCEPTION_IN_RESOURCE_CALL",
	ERROR_CLUSTER_RHS_FAILED_INITIALIZATION:                                  "ERROR_CLUSTER_RHS_FAILED_INITIALIZATION",
	ERROR_CLUSTER_NOT_INSTALLED:                                              "ERROR_CLUSTER_NOT_INSTALLED",
	ERROR_CLUSTER_RESOURCES_MUST_BE_ONLINE_ON_THE_SAME_NODE:                  "ERROR_CLUSTER_RESOURCES_MUST_BE_ONLINE_ON_THE_SAME_NODE",
	ERROR_CLUSTER_MAX_NODES_IN_CLUSTER:                                       "ERROR_CLUSTER_MAX_NODES_IN_CLUSTER",
	ERROR_CLUSTER_TOO_MANY_NODES:                                             "ERROR_CLUSTER_TOO_MANY_NODES",
	ERROR_CLUSTER_OBJECT_ALREADY_USED:                                        "ERROR_CLUSTER_OBJECT_ALREADY_USED",
	ERROR_NONCORE_GROUPS_FOUND:                                               "ERROR_NONCORE_GROUPS_FOUND",
	ERROR_FILE_SHARE_RESOURCE_CONFLICT:                                       "ERROR_FILE_SHARE_RESOURCE_CONFLICT",
	ERROR_CLUSTER_EVICT_INVALID_REQUEST:                                      "ERROR_CLUSTER_EVICT_INVALID_REQUEST",
	ERROR_CLUSTER_SINGLETON_RESOURCE:                                         "ERROR_CLUSTER_SINGLETON_RESOURCE",
	ERROR_CLUSTER_GROUP_SINGLETON_RESOURCE:                                   "ERROR_CLUSTER_GROUP_SINGLETON_RESOURCE",
	ERROR_CLUSTER_RESOURCE_PROVIDER_FAILED:                                   "ERROR_CLUSTER_RESOURCE_PROVIDER_FAILED",
	ERROR_CLUSTER_RESOURCE_CONFIGURATION_ERROR:                               "ERROR_CLUSTER_RESOURCE_CONFIGURATION_ERROR",
	ERROR_CLUSTER_GROUP_BUSY:                                                 "ERROR_CLUSTER_GROUP_BUSY",
	ERROR_CLUSTER_NOT_SHARED_VOLUME:                                          "ERROR_CLUSTER_NOT_SHARED_VOLUME",
	ERROR_CLUSTER_INVALID_SECURITY_DESCRIPTOR:                                "ERROR_CLUSTER_INVALID_SECURITY_DESCRIPTOR",
	ERROR_CLUSTER_SHARED_VOLUMES_IN_USE:                                      "ERROR_CLUSTER_SHARED_VOLUMES_IN_USE",
	ERROR_CLUSTER_USE_SHARED_VOLUMES_API:                                     "ERROR_CLUSTER_USE_SHARED_VOLUMES_API",
	ERROR_CLUSTER_BACKUP_IN_PROGRESS:                                         "ERROR_CLUSTER_BACKUP_IN_PROGRESS",
	ERROR_NON_CSV_PATH:                                                       "ERROR_NON_CSV_PATH",
	ERROR_CSV_VOLUME_NOT_LOCAL:                                               "ERROR_CSV_VOLUME_NOT_LOCAL",
	ERROR_CLUSTER_WATCHDOG_TERMINATING:                                       "ERROR_CLUSTER_WATCHDOG_TERMINATING",
	ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES:                    "ERROR_CLUSTER_RESOURCE_VETOED_MOVE_INCOMPATIBLE_NODES",
	ERROR_CLUSTER_INVALID_NODE_WEIGHT:                                        "ERROR_CLUSTER_INVALID_NODE_WEIGHT",
	ERROR_CLUSTER_RESOURCE_VETOED_CALL:                                       "ERROR_CLUSTER_RESOURCE_VETOED_CALL",
	ERROR_RESMON_SYSTEM_RESOURCES_LACKING:                                    "ERROR_RESMON_SYSTEM_RESOURCES_LACKING",
	ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_DESTINATION:   "ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_DESTINATION",
	ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_SOURCE:        "ERROR_CLUSTER_RESOURCE_VETOED_MOVE_NOT_ENOUGH_RESOURCES_ON_SOURCE",
	ERROR_CLUSTER_GROUP_QUEUED:                                               "ERROR_CLUSTER_GROUP_QUEUED",
	ERROR_CLUSTER_RESOURCE_LOCKED_STATUS:                                     "ERROR_CLUSTER_RESOURCE_LOCKED_STATUS",
	ERROR_CLUSTER_SHARED_VOLUME_FAILOVER_NOT_ALLOWED:                         "ERROR_CLUSTER_SHARED_VOLUME_FAILOVER_NOT_ALLOWED",
	ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS:                                     "ERROR_CLUSTER_NODE_DRAIN_IN_PROGRESS",
	ERROR_CLUSTER_DISK_NOT_CONNECTED:                                         "ERROR_CLUSTER_DISK_NOT_CONNECTED",
	ERROR_DISK_NOT_CSV_CAPABLE:                                               "ERROR_DISK_NOT_CSV_CAPABLE",
	ERROR_RESOURCE_NOT_IN_AVAILABLE_STORAGE:                                  "ERROR_RESOURCE_NOT_IN_AVAILABLE_STORAGE",
	ERROR_CLUSTER_SHARED_VOLUME_REDIRECTED:                                   "ERROR_CLUSTER_SHARED_VOLUME_REDIRECTED",
	ERROR_CLUSTER_SHARED_VOLUME_NOT_REDIRECTED:                               "ERROR_CLUSTER_SHARED_VOLUME_NOT_REDIRECTED",
	ERROR_CLUSTER_CANNOT_RETURN_PROPERTIES:                                   "ERROR_CLUSTER_CANNOT_RETURN_PROPERTIES",
	ERROR_CLUSTER_RESOURCE_CONTAINS_UNSUPPORTED_DIFF_AREA_FOR_SHARED_VOLUMES: "ERROR_CLUSTER_RESOURCE_CONTAINS_UNSUPPORTED_DIFF_AREA_FOR_SHARED_VOLUMES",
	ERROR_CLUSTER_RESOURCE_IS_IN_MAINTENANCE_MODE:                            "ERROR_CLUSTER_RESOURCE_IS_IN_MAINTENANCE_MODE",
	ERROR_CLUSTER_AFFINITY_CONFLICT:                                          "ERROR_CLUSTER_AFFINITY_CONFLICT",
	ERROR_CLUSTER_RESOURCE_IS_REPLICA_VIRTUAL_MACHINE:                        "ERROR_CLUSTER_RESOURCE_IS_REPLICA_VIRTUAL_MACHINE",
	ERROR_CLUSTER_UPGRADE_INCOMPATIBLE_VERSIONS:                              "ERROR_CLUSTER_UPGRADE_INCOMPATIBLE_VERSIONS",
	ERROR_CLUSTER_UPGRADE_FIX_QUORUM_NOT_SUPPORTED:                           "ERROR_CLUSTER_UPGRADE_FIX_QUORUM_NOT_SUPPORTED",
	ERROR_CLUSTER_UPGRADE_RESTART_REQUIRED:                                   "ERROR_CLUSTER_UPGRADE_RESTART_REQUIRED",
	ERROR_CLUSTER_UPGRADE_IN_PROGRESS:                                        "ERROR_CLUSTER_UPGRADE_IN_PROGRESS",
	ERROR_CLUSTER_UPGRADE_INCOMPLETE:                                         "ERROR_CLUSTER_UPGRADE_INCOMPLETE",
	ERROR_CLUSTER_NODE_IN_GRACE_PERIOD:                                       "ERROR_CLUSTER_NODE_IN_GRACE_PERIOD",
	ERROR_CLUSTER_CSV_IO_PAUSE_TIMEOUT:                                       "ERROR_CLUSTER_CSV_IO_PAUSE_TIMEOUT",
	ERROR_NODE_NOT_ACTIVE_CLUSTER_MEMBER:                                     "ERROR_NODE_NOT_ACTIVE_CLUSTER_MEMBER",
	ERROR_CLUSTER_RESOURCE_NOT_MONITORED:                                     "ERROR_CLUSTER_RESOURCE_NOT_MONITORED",
	ERROR_CLUSTER_RESOURCE_DOES_NOT_SUPPORT_UNMONITORED:                      "ERROR_CLUSTER_RESOURCE_DOES_NOT_SUPPORT_UNMONITORED",
	ERROR_CLUSTER_RESOURCE_IS_REPLICATED:                                     "ERROR_CLUSTER_RESOURCE_IS_REPLICATED",
	ERROR_CLUSTER_NODE_ISOLATED:                                              "ERROR_CLUSTER_NODE_ISOLATED",
	ERROR_CLUSTER_NODE_QUARANTINED:                                           "ERROR_CLUSTER_NODE_QUARANTINED",
	ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED:                           "ERROR_CLUSTER_DATABASE_UPDATE_CONDITION_FAILED",
	ERROR_CLUSTER_SPACE_DEGRADED:                                             "ERROR_CLUSTER_SPACE_DEGRADED",
	ERROR_CLUSTER_TOKEN_DELEGATION_NOT_SUPPORTED:                             "ERROR_CLUSTER_TOKEN_DELEGATION_NOT_SUPPORTED",
	ERROR_CLUSTER_CSV_INVALID_HANDLE:                                         "ERROR_CLUSTER_CSV_INVALID_HANDLE",
	ERROR_CLUSTER_CSV_SUPPORTED_ONLY_ON_COORDINATOR:                          "ERROR_CLUSTER_CSV_SUPPORTED_ONLY_ON_COORDINATOR",
	ERROR_GROUPSET_NOT_AVAILABLE:                                             "ERROR_GROUPSET_NOT_AVAILABLE",
	ERROR_GROUPSET_NOT_FOUND:                                                 "ERROR_GROUPSET_NOT_FOUND",
	ERROR_GROUPSET_CANT_PROVIDE:                                              "ERROR_GROUPSET_CANT_PROVIDE",
	ERROR_CLUSTER_FAULT_DOMAIN_PARENT_NOT_FOUND:                              "ERROR_CLUSTER_FAULT_DOMAIN_PARENT_NOT_FOUND",
	ERROR_CLUSTER_FAULT_DOMAIN_INVALID_HIERARCHY:                             "ERROR_CLUSTER_FAULT_DOMAIN_INVALID_HIERARCHY",
	ERROR_CLUSTER_FAULT_DOMAIN_FAILED_S2D_VALIDATION:                         "ERROR_CLUSTER_FAULT_DOMAIN_FAILED_S2D_VALIDATION",
	ERROR_CLUSTER_FAULT_DOMAIN_S2D_CONNECTIVITY_LOSS:                         "ERROR_CLUSTER_FAULT_DOMAIN_S2D_CONNECTIVITY_LOSS",
	ERROR_CLUSTER_INVALID_INFRASTRUCTURE_FILESERVER_NAME:                     "ERROR_CLUSTER_INVALID_INFRASTRUCTURE_FILESERVER_NAME",
	ERROR_CLUSTERSET_MANAGEMENT_CLUSTER_UNREACHABLE:                          "ERROR_CLUSTERSET_MANAGEMENT_CLUSTER_UNREACHABLE",
	ERROR_CLUSTER_OBJECT_IS_CLUSTER_SET_VM:                                   "ERROR_CLUSTER_OBJECT_IS_CLUSTER_SET_VM",
}

// errnoByName is the inverse of errnoNames.
var errnoByName = func() map[string]Errno {
	m := make(map[string]Errno, len(errnoNames))
	for e, n := range errnoNames {
		m[n] = e
	}
	return m
}()

// Error implements error. For a known code it returns the Win32 name
// followed by the decimal value, e.g. "ERROR_GROUP_NOT_FOUND (5013)";
// for an unknown code it returns "Errno(N)".
func (e Errno) Error() string {
	if n, ok := errnoNames[e]; ok {
		return n + " (" + strconv.FormatUint(uint64(e), 10) + ")"
	}
	return e.String()
}

// String returns the Win32 name of e, e.g. "ERROR_IO_PENDING", or
// "Errno(N)" (N in decimal) if e is not one of the constants of this package.
func (e Errno) String() string {
	if n, ok := errnoNames[e]; ok {
		return n
	}
	return "Errno(" + strconv.FormatUint(uint64(e), 10) + ")"
}

// Name returns the Win32 name of e; it is the same as String.
func (e Errno) Name() string { return e.String() }

// ErrnoByName returns the Errno whose Win32 name is exactly name
// (case-sensitive, e.g. "ERROR_GROUP_NOT_FOUND"). ok is false if name is
// not one of the constants of this package.
func ErrnoByName(name string) (e Errno, ok bool) {
	e, ok = errnoByName[name]
	return e, ok
}
