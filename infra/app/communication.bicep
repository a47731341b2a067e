// Optional Azure Communication Services for e-mail (Azure-managed sender domain to start with) and SMS, with
// the Event Grid subscription that carries delivery reports, engagement (open/click) and inbound SMS (STOP) to
// the Service Bus queue `delivery-events` (functions/delivery-events.ts). Deployed only when
// enableCommunicationServices is true.
//
// The app's identity gets "Communication and Email Service Owner" on the ACS resource: the built-in role that
// allows sending e-mail and SMS with Entra ID (no access key in any setting). Event Grid delivers to the queue
// with the system topic's own identity, which gets "Azure Service Bus Data Sender" on that queue only.
//
// SMS needs a sender the resource owns: buy a number (or register an alphanumeric sender id) in the portal and
// pass it as smsSender; that step has no Bicep resource.

param communicationServiceName string
param emailServiceName string
param tags object = {}

@description('Where ACS stores data at rest, e.g. Europe, United States, Germany, Switzerland.')
param dataLocation string = 'Europe'

@description('Open and click tracking of e-mail (pixels and rewritten links): a consent question; off unless the retailer decides otherwise. Also switch EMAIL_ENGAGEMENT_TRACKING on.')
param userEngagementTracking bool = false

param serviceBusNamespaceName string
@description('Mirrors queues.deliveryEvents in shared/resources.ts.')
param deliveryEventsQueueName string = 'delivery-events'

param appPrincipalId string

var roles = {
  communicationEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2552a45b'
}

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: userEngagementTracking ? 'Enabled' : 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [managedDomain.id]
  }
}

resource appSends 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: communicationService
  name: guid(communicationService.id, appPrincipalId, roles.communicationEmailServiceOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.communicationEmailServiceOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2021-11-01' existing = {
  name: serviceBusNamespaceName
}

resource deliveryEventsQueue 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' existing = {
  parent: serviceBus
  name: deliveryEventsQueueName
}

resource eventTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: '${communicationServiceName}-events'
  location: 'global'
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: communicationService.id
    topicType: 'Microsoft.Communication.CommunicationServices'
  }
}

resource topicSendsToQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: deliveryEventsQueue
  name: guid(deliveryEventsQueue.id, eventTopic.id, roles.serviceBusDataSender)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
    principalId: eventTopic.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource deliveryEvents 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: eventTopic
  name: 'delivery-events'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'ServiceBusQueue'
        properties: {
          resourceId: deliveryEventsQueue.id
        }
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Communication.EmailDeliveryReportReceived'
        'Microsoft.Communication.EmailEngagementTrackingReportReceived'
        'Microsoft.Communication.SMSDeliveryReportReceived'
        'Microsoft.Communication.SMSReceived'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
  dependsOn: [topicSendsToQueue]
}

output name string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
output senderDomain string = managedDomain.properties.mailFromSenderDomain
