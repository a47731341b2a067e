// winback on Azure: `azd up` (or `az deployment sub create`) from the repository root. See docs/deploy.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; used for the resource group and to derive unique resource names.')
param environmentName string

@minLength(1)
@description('Region for all resources. Must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the deploying user or pipeline (azd sets AZURE_PRINCIPAL_ID). Empty = none.')
param principalId string = ''

@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Give principalId data access (Cosmos, Service Bus, Blob, Key Vault secrets) for local debugging and for setting the webhook secrets. Turn off for production subscriptions.')
param grantPrincipalDataAccess bool = true

// ---- names (empty = derived from environmentName) ----
param resourceGroupName string = ''
param identityName string = ''
param functionAppName string = ''
param appServicePlanName string = ''
param storageAccountName string = ''
param cosmosAccountName string = ''
param serviceBusNamespaceName string = ''
param keyVaultName string = ''
param logAnalyticsName string = ''
param applicationInsightsName string = ''
param communicationServiceName string = ''
param notificationHubsNamespaceName string = ''

// ---- Function app (Flex Consumption) ----
@description('Memory per instance; 2048 MB suits the nightly segmentation shards.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on scale-out; also caps what a burst can cost and how hard it can hit Cosmos DB.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

// ---- Cosmos DB ----
@description('serverless: pay per request unit (default; best below a few million RU a day). autoscale: provisioned throughput shared by the database. Cannot be switched on an existing account.')
@allowed(['serverless', 'autoscale'])
param cosmosThroughputMode string = 'serverless'

@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('App setting COSMOS_DATABASE; the code defaults to winback.')
param cosmosDatabaseName string = 'winback'

// ---- Service Bus ----
@allowed(['Standard', 'Premium'])
param serviceBusSku string = 'Standard'

@description('Duplicate-detection window for queues that use it (ISO 8601).')
param serviceBusDuplicateDetectionWindow string = 'PT10M'

// ---- Storage ----
@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'])
param storageSku string = 'Standard_LRS'

@description('App setting SNAPSHOT_CONTAINER; the code defaults to winback-snapshots.')
param snapshotContainerName string = 'winback-snapshots'

@minValue(1)
param snapshotRetentionDays int = 30
@description('Days segmentation work files (segment-work/) are kept; a failed run can be resumed within them.')
@minValue(2)
param segmentWorkRetentionDays int = 3
@description('Days customer state files (segment-state/) are kept: longer than any gap between two completed runs, or the next run reads every customer document.')
@minValue(2)
param segmentStateRetentionDays int = 14
@description('Days outbox files (rendered messages of channels without a provider) are kept.')
@minValue(1)
param outboxRetentionDays int = 90

// ---- Monitoring ----
@description('Days Log Analytics and Application Insights keep telemetry (values Application Insights accepts).')
@allowed([30, 60, 90, 120, 180, 270, 365, 550, 730])
param logRetentionInDays int = 30

// ---- Behaviour ----
@description('App setting SEGMENTS_SCHEDULE: NCRONTAB (6 fields) of the nightly segmentation run, in RETAILER_TIME_ZONE.')
param segmentsSchedule string = '0 0 2 * * *'

@description('App setting RETAILER_TIME_ZONE (IANA), e.g. Europe/Berlin.')
param retailerTimeZone string = 'UTC'

// ---- Key Vault ----
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90
param keyVaultEnablePurgeProtection bool = false

// ---- Optional services ----
param enableCommunicationServices bool = false
@description('Data residency of Communication Services, e.g. Europe, Germany, United States.')
param communicationDataLocation string = 'Europe'
param enableNotificationHubs bool = false
@allowed(['Free', 'Basic', 'Standard'])
param notificationHubsSku string = 'Free'

// ---- Delivery channels (README, "Switching channels on"); each stays on the outbox until configured ----
@description('E-mail open/click tracking (ACS engagement tracking); a consent decision, off by default.')
param emailEngagementTracking bool = false
@description('App setting SMS_SENDER: a number, short code or alphanumeric sender id the ACS resource owns. Empty = SMS on the outbox.')
param smsSender string = ''
@description('App setting SMS_MAX_SEGMENTS: an SMS template longer than this fails its check.')
@minValue(1)
@maxValue(10)
param smsMaxSegments int = 2
@description('App setting PRINT_CONTAINER: blob container for the mail house (print/<date>.csv and .pdf). Empty = letters on the outbox.')
param printContainerName string = ''
@description('App setting PRINT_SCHEDULE: NCRONTAB (UTC) of the daily print batch.')
param printSchedule string = '0 0 4 * * *'
@description('App setting WEBHOOK_URL: an ESP or CRM endpoint that receives signed messages. Empty = webhook channel on the outbox.')
param webhookUrl string = ''
@minValue(1000)
@maxValue(60000)
param webhookTimeoutMs int = 10000

var tags = { 'azd-env-name': environmentName, application: 'winback' }
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var appName = !empty(functionAppName) ? functionAppName : 'func-winback-${resourceToken}'
var deploymentContainerName = 'app-package-${take(toLower(appName), 32)}-${take(uniqueString(appName, resourceToken), 7)}'
var shopifySecretName = 'shopify-webhook-secret'
var shopwareSecretName = 'shopware-webhook-secret'
var unsubscribeSecretName = 'unsubscribe-secret'
var notificationHubsSecretName = 'notification-hubs-connection'
var webhookSecretName = 'webhook-secret'
var dataAccessPrincipalId = grantPrincipalDataAccess ? principalId : ''

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  scope: rg
  params: {
    name: !empty(identityName) ? identityName : 'id-winback-${resourceToken}'
    location: location
    tags: tags
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'loganalytics'
  scope: rg
  params: {
    name: !empty(logAnalyticsName) ? logAnalyticsName : 'log-winback-${resourceToken}'
    location: location
    tags: tags
    dataRetention: logRetentionInDays
  }
}

module appInsights 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'appinsights'
  scope: rg
  params: {
    name: !empty(applicationInsightsName) ? applicationInsightsName : 'appi-winback-${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    retentionInDays: logRetentionInDays
    // Ingestion only with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING + Metrics Publisher).
    disableLocalAuth: true
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: !empty(storageAccountName) ? storageAccountName : 'stwinback${resourceToken}'
    location: location
    tags: tags
    skuName: storageSku
    deploymentContainerName: deploymentContainerName
    snapshotContainerName: snapshotContainerName
    snapshotRetentionDays: snapshotRetentionDays
    segmentWorkRetentionDays: segmentWorkRetentionDays
    segmentStateRetentionDays: segmentStateRetentionDays
    outboxRetentionDays: outboxRetentionDays
    printContainerName: printContainerName
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: !empty(cosmosAccountName) ? cosmosAccountName : 'cosno-winback-${resourceToken}'
    location: location
    tags: tags
    throughputMode: cosmosThroughputMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    databaseName: cosmosDatabaseName
    appPrincipalId: identity.outputs.principalId
    principalId: dataAccessPrincipalId
  }
}

module serviceBus 'app/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: !empty(serviceBusNamespaceName) ? serviceBusNamespaceName : 'sb-winback-${resourceToken}'
    location: location
    tags: tags
    skuName: serviceBusSku
    duplicateDetectionWindow: serviceBusDuplicateDetectionWindow
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: !empty(keyVaultName) ? keyVaultName : 'kv-winback-${take(resourceToken, 11)}'
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    enablePurgeProtection: keyVaultEnablePurgeProtection
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    serviceBusNamespaceName: serviceBus.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: appInsights.outputs.name
    appPrincipalId: identity.outputs.principalId
    principalId: dataAccessPrincipalId
    principalType: principalType
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'plan'
  scope: rg
  params: {
    name: !empty(appServicePlanName) ? appServicePlanName : 'plan-winback-${resourceToken}'
    location: location
    tags: tags
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: appName
    location: location
    tags: tags
    appServicePlanId: appServicePlan.outputs.resourceId
    identityResourceId: identity.outputs.resourceId
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: appInsights.outputs.name
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    keyVaultName: keyVault.outputs.name
    snapshotContainerName: storage.outputs.snapshotContainerName
    segmentsSchedule: segmentsSchedule
    retailerTimeZone: retailerTimeZone
    shopifySecretName: shopifySecretName
    shopwareSecretName: shopwareSecretName
    communicationEndpoint: enableCommunicationServices ? communication!.outputs.endpoint : ''
    emailSenderAddress: enableCommunicationServices ? 'DoNotReply@${communication!.outputs.senderDomain}' : ''
    emailEngagementTracking: emailEngagementTracking
    smsSender: enableCommunicationServices ? smsSender : ''
    smsMaxSegments: smsMaxSegments
    notificationHubName: enableNotificationHubs ? notificationHubs!.outputs.hubName : ''
    printContainerName: printContainerName
    printSchedule: printSchedule
    webhookUrl: webhookUrl
    webhookTimeoutMs: webhookTimeoutMs
    unsubscribeSecretName: unsubscribeSecretName
    notificationHubsSecretName: notificationHubsSecretName
    webhookSecretName: webhookSecretName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  // The app starts pulling its package and resolving Key Vault references as soon as it exists; give the
  // role assignments a head start (Entra propagation can still take a few minutes).
  dependsOn: [rbac]
}

module communication 'app/communication.bicep' = if (enableCommunicationServices) {
  name: 'communication'
  scope: rg
  params: {
    communicationServiceName: !empty(communicationServiceName) ? communicationServiceName : 'acs-winback-${resourceToken}'
    emailServiceName: 'ecs-winback-${resourceToken}'
    tags: tags
    dataLocation: communicationDataLocation
    userEngagementTracking: emailEngagementTracking
    serviceBusNamespaceName: serviceBus.outputs.name
    appPrincipalId: identity.outputs.principalId
  }
}

module notificationHubs 'app/notificationhubs.bicep' = if (enableNotificationHubs) {
  name: 'notificationhubs'
  scope: rg
  params: {
    namespaceName: !empty(notificationHubsNamespaceName) ? notificationHubsNamespaceName : 'ntfns-winback-${resourceToken}'
    location: location
    tags: tags
    skuName: notificationHubsSku
  }
}

// azd stores these in .azure/<env>/.env; docs/deploy.md uses them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
output COSMOS_ACCOUNT_NAME string = cosmos.outputs.name
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output SERVICEBUS_FULLY_QUALIFIED_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output STORAGE_ACCOUNT_NAME string = storage.outputs.name
output STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output SNAPSHOT_CONTAINER string = storage.outputs.snapshotContainerName
output KEY_VAULT_NAME string = keyVault.outputs.name
output KEY_VAULT_URI string = keyVault.outputs.uri
output SHOPIFY_WEBHOOK_SECRET_NAME string = shopifySecretName
output SHOPWARE_WEBHOOK_SECRET_NAME string = shopwareSecretName
output COMMUNICATION_SERVICES_ENDPOINT string = enableCommunicationServices ? communication!.outputs.endpoint : ''
output NOTIFICATION_HUBS_NAMESPACE string = enableNotificationHubs ? notificationHubs!.outputs.namespaceName : ''
output NOTIFICATION_HUB_NAME string = enableNotificationHubs ? notificationHubs!.outputs.hubName : ''
output UNSUBSCRIBE_SECRET_NAME string = unsubscribeSecretName
output NOTIFICATION_HUBS_SECRET_NAME string = notificationHubsSecretName
output WEBHOOK_SECRET_NAME string = webhookSecretName
