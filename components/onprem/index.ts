/** On-prem components: Talos nodes, the three-tier management cluster, its Omni template and platform services. */
export * from "./joinConfig";
export * from "./machineLabels";
export * from "./tiers";
export * from "./clusterTemplate";
export * from "./omnictlScripts";
export * from "./platformCharts";
export * from "./talosNode";
export * from "./managementCluster";
export * from "./capvIdentity";
export * from "./platformServices";
export * from "./automationServiceManifests";
export * from "./automationService";
