/**
 * Limits and fixed values of a tenant: how long names may be, how many VMs, floating IPs, peers and keys one tenant
 * may have, the WAN VLAN. The spec schema enforces them and the API reference publishes them.
 */
/** Longest tenant name: it appears in port group, folder, namespace and VM names. */
export const TENANT_NAME_MAX = 20;
/** Most floating IPs one tenant may hold. */
export const MAX_FLOATING_IPS = 16;
/** Most standalone VMs one tenant may have. */
export const MAX_VMS = 40;
/** Most WireGuard peers one tenant may have. */
export const MAX_VPN_PEERS = 100;
/** Most port rules one floating IP may open. */
export const MAX_FLOATING_IP_PORTS = 32;
/** Most SSH keys a tenant cluster's nodes may carry. */
export const MAX_SSH_KEYS = 16;
/** Longest SSH public key line (an RSA 8192 key with a comment fits). */
export const SSH_KEY_MAX = 2048;
/** Longest vSphere template name (vSphere inventory names have at most 80 characters). */
export const TEMPLATE_NAME_MAX = 80;
/** Longest DNS domain name. */
export const DOMAIN_NAME_MAX = 253;
/** Longest IPv4 address (`255.255.255.255`) and IPv4 CIDR (`255.255.255.255/32`). */
export const IPV4_MAX = 15;
export const IPV4_CIDR_MAX = 18;
/** VLAN of the WAN (control) network; tenant LANs never use it. */
export const WAN_VLAN_ID = 2000;
/** Target keyword of the floating IP that carries a tenant cluster's API endpoint. */
export const CLUSTER_TARGET = "cluster";
/** Most Kubernetes clusters one tenant may have (`clusters`). */
export const MAX_CLUSTERS = 4;
/** Addresses of one cluster's IPAM block (carved from the LAN's IPAM range when `ipamRange` is not given). */
export const IPAM_BLOCK_SIZE = 25;
/** Machines a rollout adds at most while it replaces others: one control plane and one worker (maxSurge 1 each). */
export const ROLLOUT_SURGE = 2;
