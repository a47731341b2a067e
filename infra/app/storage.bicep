// The app's storage account: Functions host storage (AzureWebJobsStorage over the managed identity), the Flex
// Consumption deployment package container, and the segment snapshot container the code writes to.
// Shared-key access is off, so nothing can reach this account with an account key or a SAS signed by one.

param name string
param location string
param tags object = {}

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGRS'])
param skuName string = 'Standard_LRS'

@description('Blob container Flex Consumption deploys the app package into.')
param deploymentContainerName string

@description('Blob container for segment run snapshots (app setting SNAPSHOT_CONTAINER).')
param snapshotContainerName string
@description('Blob container of printed-coupon batches; empty = none.')
param printContainerName string = ''
@description('Days the mail-house files and pending letters (names and postal addresses) are kept.')
@minValue(1)
param printRetentionDays int = 90

@description('Snapshots under <container>/segments/<runId>/ older than this are deleted by a lifecycle rule.')
@minValue(1)
param snapshotRetentionDays int = 30

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    dnsEndpointType: 'Standard'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    // A mistaken delete of a snapshot or of the deployment package can be undone for a week.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource snapshotContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: snapshotContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The mail house's container for printed coupons (print/<date>.csv and .pdf); give the mail house read access
// to this container only (a user-delegation SAS or an RBAC role scoped to it).
resource printContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = if (!empty(printContainerName)) {
  parent: blobService
  name: !empty(printContainerName) ? printContainerName : 'unused'
  properties: {
    publicAccess: 'None'
  }
}

// Letters name people and their addresses: the mail house has them for printRetentionDays, then they go.
var printRules = empty(printContainerName) ? [] : [
  {
    name: 'expire-print-files'
    enabled: true
    type: 'Lifecycle'
    definition: {
      filters: {
        blobTypes: ['blockBlob']
        prefixMatch: ['${printContainerName}/print/']
      }
      actions: {
        baseBlob: {
          delete: {
            daysAfterModificationGreaterThan: printRetentionDays
          }
        }
      }
    }
  }
]

// Every nightly segmentation run writes a full snapshot; without expiry they would accumulate forever.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: concat([
        {
          name: 'expire-segment-snapshots'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${snapshotContainerName}/segments/']
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: snapshotRetentionDays
                }
              }
            }
          }
        }
      ], printRules)
    }
  }
  dependsOn: [snapshotContainer]
}

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output deploymentContainerName string = deploymentContainer.name
output snapshotContainerName string = snapshotContainer.name
