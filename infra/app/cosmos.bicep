// Cosmos DB for NoSQL: one account, database `winback`, and every container the code uses.
// Local auth (account keys) is disabled; data access is Cosmos-native RBAC (sqlRoleAssignments), which is
// also why the containers are declared here: with identity auth the app cannot create them at runtime.

param name string
param location string
param tags object = {}

@description('serverless (pay per RU, the default) or autoscale (provisioned, shared by the database\'s containers).')
@allowed(['serverless', 'autoscale'])
param throughputMode string = 'serverless'

@description('Autoscale ceiling in RU/s for the database (scales between 10% and 100% of it). Ignored when serverless.')
@minValue(1000)
param autoscaleMaxThroughput int = 1000

param databaseName string = 'winback'

@description('Principal id of the function app\'s managed identity.')
param appPrincipalId string

@description('Principal id of the deploying user or pipeline; empty = no data access for it.')
param principalId string = ''

// Mirrors `containers` in shared/resources.ts, one entry per container, same name, partition key and
// defaultTtl (seconds; -1 = per-item ttl; null = off). test/unit/infra/agreement.test.ts fails when the two
// differ. Every entry carries every key (null / [] when unused) so the loop below type-checks uniformly.
// excludedPaths keep write RU down for fields no query filters or sorts on.
var cosmosContainers = [
  {
    name: 'purchases'
    partitionKey: '/customerId'
    defaultTtl: null
    excludedPaths: ['/items/*']
  }
  {
    name: 'customers'
    partitionKey: '/id'
    defaultTtl: null
    // analytics: ~30 score fields rewritten by segmentation runs; only the three the dashboard sorts and
    // buckets on (GET /api/segments/{segment}/customers, /api/segments/distributions) stay indexed.
    excludedPaths: [
      '/address/*'
      '/analytics/runId/?'
      '/analytics/asOf/?'
      '/analytics/computedAt/?'
      '/analytics/segmentFrom/?'
      '/analytics/timeUnit/?'
      '/analytics/firstPurchaseDay/?'
      '/analytics/purchaseDays/?'
      '/analytics/x/?'
      '/analytics/txDays/?'
      '/analytics/TDays/?'
      '/analytics/daysSinceLastPurchase/?'
      '/analytics/totalSpendMinor/?'
      '/analytics/repeatAovMinor/?'
      '/analytics/typicalIntervalDays/?'
      '/analytics/couponUsageRate/?'
      '/analytics/topCategory/?'
      '/analytics/currency/?'
      '/analytics/rfm/*'
      '/analytics/expectedPurchases90d/?'
      '/analytics/expectedAovMinor/?'
      '/analytics/churnRisk/*'
    ]
  }
  {
    name: 'idempotency'
    partitionKey: '/id'
    // per-item TTL: retry-only keys (webhook deliveries, Idempotency-Key headers) expire, purchase keys stay
    defaultTtl: -1
    excludedPaths: []
  }
  {
    name: 'coupons'
    partitionKey: '/code'
    defaultTtl: null
    excludedPaths: []
  }
  {
    name: 'offers'
    partitionKey: '/id'
    defaultTtl: null
    excludedPaths: []
  }
  {
    // Identity links, aliases of merged customers, identity tombstones and merge records (shared/links).
    // Resolution is a point read; queries filter on kind, customerId, absorbedId and survivorId only.
    name: 'links'
    partitionKey: '/id'
    defaultTtl: null
    excludedPaths: ['/done/*']
  }
  {
    name: 'segment-runs'
    partitionKey: '/runId'
    defaultTtl: null
    // Queries filter on kind and status and sort on completedAt; the per-shard results and the
    // configuration snapshot are only ever read whole.
    excludedPaths: ['/config/*', '/summarize/*', '/score/*', '/models/*', '/cutPoints/*', '/totals/*']
  }
  {
    name: 'kpis'
    partitionKey: '/journeyId'
    defaultTtl: null
    // Queries filter on journeyId and kind only; the facts, histograms and applied-event lists are read whole.
    excludedPaths: ['/applied/*', '/orders/*', '/revenue/*', '/counted/*', '/messagesByChannel/*', '/messagedByChannel/*', '/couponsRedeemed/*', '/couponsIssued/*', '/enrolled/*', '/split/*']
  }
  {
    name: 'journey-definitions'
    partitionKey: '/id'
    defaultTtl: null
    excludedPaths: ['/definition/*']
  }
  {
    name: 'templates'
    partitionKey: '/id'
    defaultTtl: null
    excludedPaths: ['/template/*']
  }
  {
    name: 'enrollments'
    partitionKey: '/customerId'
    defaultTtl: null
    // history and completed steps are only read whole, with the enrollment
    excludedPaths: ['/history/*', '/completedSteps/*']
  }
  {
    name: 'messages'
    partitionKey: '/customerId'
    defaultTtl: null
    excludedPaths: ['/history/*', '/entries/*', '/sends/*']
  }
]

// Cosmos DB Built-in Data Contributor (data plane: read/write items, no account or container management).
var dataContributorRoleId = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: throughputMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: 'Enabled'
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    // Serverless accounts take no throughput options; provisioned mode shares one autoscale budget.
    options: throughputMode == 'autoscale' ? { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } } : {}
  }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for c in cosmosContainers: {
    parent: database
    name: c.name
    properties: {
      resource: {
        id: c.name
        partitionKey: {
          paths: [c.partitionKey]
          kind: 'Hash'
          version: 2
        }
        // null leaves TTL off (ARM drops null properties), as an absent defaultTtl does in resources.ts.
        defaultTtl: c.defaultTtl
        indexingPolicy: {
          indexingMode: 'consistent'
          automatic: true
          includedPaths: [{ path: '/*' }]
          excludedPaths: concat([{ path: '/"_etag"/?' }], map(c.excludedPaths, p => { path: p }))
        }
      }
    }
  }
]

resource appDataAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: account
  name: guid(account.id, appPrincipalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: appPrincipalId
    scope: account.id
  }
}

resource principalDataAccess 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = if (!empty(principalId)) {
  parent: account
  name: guid(account.id, principalId, dataContributorRoleId)
  properties: {
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributorRoleId}'
    principalId: principalId
    scope: account.id
  }
  // The Cosmos resource provider rejects concurrent role-assignment writes on one account.
  dependsOn: [appDataAccess]
}

output name string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
