/** OCI components: Omni network, Omni host (vm | k8s), site-to-site VPN, and their pure helpers. */
export * from "./addons";
export * from "../../model/net/ipv4";
export * from "./cloudInit";
export * from "./constants";
export * from "./images";
export * from "./ipsecParams";
export * from "./omniFlags";
export * from "./omniHost";
export * from "./omniHostInputs";
export * from "./omniHostOutputs";
export * from "./omniK8sHost";
export * from "./omniNetwork";
export * from "./omniService";
export * from "./omniVmHost";
export * from "./securityGroup";
export * from "./securityRules";
export * from "./siteToSiteVpn";
