// postgres.bicep: Azure Database for PostgreSQL Flexible Server 15 with the seed's settings:
// Burstable B2s (dev) or General Purpose D2s_v3 (prod), 128 GB with auto-grow, 35-day backups
// (point-in-time restore), zone-redundant HA and a read replica in prod, TLS required, and the
// seed's server parameters (the same ones scripts/stack.sh gives the local cluster).
param location string
param name string
param prod bool
param adminLogin string
@secure()
param adminPassword string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: name
  location: location
  sku: prod ? { name: 'Standard_D2s_v3', tier: 'GeneralPurpose' } : { name: 'Standard_B2s', tier: 'Burstable' }
  properties: {
    version: '15'
    administratorLogin: adminLogin
    administratorLoginPassword: adminPassword
    storage: { storageSizeGB: 128, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 35, geoRedundantBackup: prod ? 'Enabled' : 'Disabled' }
    highAvailability: { mode: prod ? 'ZoneRedundant' : 'Disabled' }
    network: {}   // public access with the firewall rule below; use VNet integration for Premium
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: server
  name: 'chatlings'
  properties: { charset: 'UTF8', collation: 'en_US.utf8' }
}

// "Firewall: Allow Azure services" (the seed)
resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = {
  parent: server
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

// The seed's parameters, in the units Azure expects (8 kB pages, kB or MB as PostgreSQL says).
var parameters = [
  { name: 'max_connections', value: '100' }
  { name: 'shared_buffers', value: '32768' }          // 256 MB
  { name: 'effective_cache_size', value: '131072' }   // 1 GB
  { name: 'maintenance_work_mem', value: '65536' }    // 64 MB
  { name: 'checkpoint_completion_target', value: '0.9' }
  { name: 'wal_buffers', value: '2048' }              // 16 MB
  { name: 'default_statistics_target', value: '100' }
  { name: 'random_page_cost', value: '1.1' }
  { name: 'effective_io_concurrency', value: '200' }
  { name: 'work_mem', value: '2621' }                 // kB
  { name: 'min_wal_size', value: '1024' }             // MB
  { name: 'max_wal_size', value: '4096' }             // MB
  { name: 'require_secure_transport', value: 'on' }
]

@batchSize(1) // the server applies one configuration change at a time
resource config 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2022-12-01' = [for p in parameters: {
  parent: server
  name: p.name
  properties: { value: p.value, source: 'user-override' }
  dependsOn: [ database, allowAzure ]
}]

// Read replica for read-heavy queries (DATABASE_READ_URL): prod only.
resource replica 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = if (prod) {
  name: '${name}-replica'
  location: location
  sku: { name: 'Standard_D2s_v3', tier: 'GeneralPurpose' }
  properties: {
    createMode: 'Replica'
    sourceServerResourceId: server.id
  }
  dependsOn: [ config ]
}

output id string = server.id
output fqdn string = server.properties.fullyQualifiedDomainName
output replicaFqdn string = prod ? '${name}-replica.postgres.database.azure.com' : ''
