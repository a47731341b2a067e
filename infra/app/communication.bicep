// Optional Azure Communication Services for e-mail (Azure-managed sender domain to start with) and SMS.
// Deployed only when enableCommunicationServices is true. The app does not send through it yet; when it
// does, its setting goes into shared/settings.ts and infra/app/api.bicep together (the agreement test
// insists), and the identity gets a role here.

param communicationServiceName string
param emailServiceName string
param tags object = {}

@description('Where ACS stores data at rest, e.g. Europe, United States, Germany, Switzerland.')
param dataLocation string = 'Europe'

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
    // Tracking pixels and rewritten links are a consent question; off unless the retailer decides otherwise.
    userEngagementTracking: 'Disabled'
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

output name string = communicationService.name
output endpoint string = 'https://${communicationService.properties.hostName}'
output senderDomain string = managedDomain.properties.mailFromSenderDomain
