// The function app on Flex Consumption, running as the user-assigned identity, and its app settings.
// App settings carry identity-based connections only: endpoints plus `__credential`/`__clientId`, never a
// key or connection string (the agreement test rejects any). Secrets are Key Vault references.

param name string
param location string
param tags object = {}

param appServicePlanId string

@description('Resource id and client id of the user-assigned identity the app runs as.')
param identityResourceId string
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string

param cosmosEndpoint string
param cosmosDatabaseName string
param serviceBusFullyQualifiedNamespace string
param keyVaultName string
param snapshotContainerName string
param segmentsSchedule string
param retailerTimeZone string

@description('Names of the webhook secrets in the Key Vault.')
param shopifySecretName string
param shopwareSecretName string

@description('Delivery channels: empty values leave a channel on the outbox (see README, "Switching channels on").')
param communicationEndpoint string = ''
param emailSenderAddress string = ''
param emailEngagementTracking bool = false
param smsSender string = ''
param smsMaxSegments int = 2
param notificationHubName string = ''
param printContainerName string = ''
param printSchedule string = '0 0 4 * * *'
param webhookUrl string = ''
param webhookTimeoutMs int = 10000
@description('Key Vault secret names of the channel secrets (set by the operator, see docs/deploy.md).')
param unsubscribeSecretName string
param notificationHubsSecretName string
param webhookSecretName string

@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Every setting the app (shared/settings.ts) or the Functions host reads in Azure. Keep one key per line:
// test/unit/infra/agreement.test.ts reads this object and compares it with `settingNames` and with
// local.settings.example.json.
var appSettings = {
  // Host storage: blob only (timer schedule status, singleton leases, host keys); see rbac.bicep.
  AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId

  CosmosDB__accountEndpoint: cosmosEndpoint
  CosmosDB__credential: 'managedidentity'
  CosmosDB__clientId: identityClientId
  COSMOS_DATABASE: cosmosDatabaseName

  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId

  // The connection string names the Application Insights resource; it is not a credential, ingestion
  // requires an Entra token for the identity below (local auth is disabled on the component).
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'

  SNAPSHOT_CONTAINER: snapshotContainerName
  SEGMENTS_SCHEDULE: segmentsSchedule
  RETAILER_TIME_ZONE: retailerTimeZone
  SEGMENTS_TIME_UNIT: 'week'
  SEGMENTS_SHARDS: '16'
  SEGMENTS_CONFIG: ''
  LINK_EMAIL_MATCHING: 'verified'
  SEGMENTS_STALE_AFTER_DAYS: '28'
  SEGMENTS_FULL_SCAN_DAYS: '7'
  SEGMENTS_STALL_MINUTES: '30'
  // Empty: a shard splits its CPU-bound work over as many worker threads as the instance has cores; '1' keeps
  // it in-process, which measured faster so far (docs/segmentation.md, "A shard on every core").
  SEGMENTS_WORKER_THREADS: ''

  // Versionless references: a new secret version is picked up on restart (or within 24 h).
  SHOPIFY_WEBHOOK_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${shopifySecretName})'
  SHOPWARE_WEBHOOK_SECRET: '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${shopwareSecretName})'

  // Delivery channels. A channel is live when its provider is configured; otherwise it writes to the outbox.
  // Public URL of unsubscribe links, and their signing key (needed once e-mail is live).
  PUBLIC_BASE_URL: 'https://${name}.azurewebsites.net'
  UNSUBSCRIBE_SECRET: !empty(emailSenderAddress) ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${unsubscribeSecretName})' : ''
  CommunicationServices__endpoint: communicationEndpoint
  CommunicationServices__credential: 'managedidentity'
  CommunicationServices__clientId: identityClientId
  EMAIL_SENDER: emailSenderAddress
  EMAIL_ENGAGEMENT_TRACKING: emailEngagementTracking ? 'true' : 'false'
  SMS_SENDER: smsSender
  SMS_MAX_SEGMENTS: string(smsMaxSegments)
  // Notification Hubs sends accept only SAS: the access policy's connection string lives in Key Vault.
  NOTIFICATION_HUBS_CONNECTION: !empty(notificationHubName) ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${notificationHubsSecretName})' : ''
  NOTIFICATION_HUB_NAME: notificationHubName
  PRINT_CONTAINER: printContainerName
  PRINT_SCHEDULE: printSchedule
  WEBHOOK_URL: webhookUrl
  WEBHOOK_SECRET: !empty(webhookUrl) ? '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${webhookSecretName})' : ''
  WEBHOOK_TIMEOUT_MS: string(webhookTimeoutMs)
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    // Key Vault references resolve with this identity (the default would be a system-assigned one).
    keyVaultReferenceIdentity: identityResourceId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource siteSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}'
