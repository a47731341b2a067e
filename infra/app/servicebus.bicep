// Service Bus namespace with every queue the code uses. Local auth (SAS keys) is disabled: senders and the
// Functions trigger connect with Entra ID only (ServiceBusConnection__fullyQualifiedNamespace).

param name string
param location string
param tags object = {}

@description('Standard is enough (duplicate detection, scheduled messages, dead-lettering); Premium for isolation/VNet.')
@allowed(['Standard', 'Premium'])
param skuName string = 'Standard'

@description('How long Service Bus remembers a messageId for duplicate detection (ISO 8601, 20 s to 7 days).')
param duplicateDetectionWindow string = 'PT10M'

// Mirrors `queues` in shared/resources.ts: same name, maxDeliveryCount, lock duration (ISO 8601 here,
// lockDurationSeconds there; Service Bus allows at most PT5M) and duplicate detection.
// test/unit/infra/agreement.test.ts fails when the two differ.
var serviceBusQueues = [
  {
    name: 'customer-events'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
  }
  {
    name: 'coupon-requests'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
  }
  {
    name: 'segment-shards'
    maxDeliveryCount: 5
    lockDuration: 'PT5M'
    requiresDuplicateDetection: true
  }
  {
    name: 'redemption-events'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
  }
  {
    name: 'journey-steps'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
  }
  {
    name: 'outbound-messages'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
  }
  {
    name: 'kpi-events'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
  }
  {
    name: 'delivery-events'
    maxDeliveryCount: 10
    lockDuration: 'PT1M'
    requiresDuplicateDetection: true
  }
]

resource namespace 'Microsoft.ServiceBus/namespaces@2021-11-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuName
    capacity: skuName == 'Premium' ? 1 : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource sbQueues 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' = [
  for q in serviceBusQueues: {
    parent: namespace
    name: q.name
    properties: {
      maxDeliveryCount: q.maxDeliveryCount
      lockDuration: q.lockDuration
      requiresDuplicateDetection: q.requiresDuplicateDetection
      duplicateDetectionHistoryTimeWindow: q.requiresDuplicateDetection ? duplicateDetectionWindow : null
      // Messages that expire unprocessed are kept in the dead-letter queue for inspection, not dropped.
      // No defaultMessageTimeToLive is set on purpose: journeys schedule messages weeks ahead, and a short
      // TTL would expire them before they are due.
      deadLetteringOnMessageExpiration: true
      enableBatchedOperations: true
      requiresSession: false
    }
  }
]

output name string = namespace.name
output id string = namespace.id
// The host name the SDK and the trigger want (<ns>.servicebus.windows.net), without scheme and port.
output fullyQualifiedNamespace string = split(split(namespace.properties.serviceBusEndpoint, '//')[1], ':')[0]
