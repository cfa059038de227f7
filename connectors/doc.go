// Package connectors defines what the engine asks of sources and
// destinations: the record model (typed columns and row values), the Source
// and Destination interfaces, the per-table state that destinations persist,
// and the registry through which configuration blocks find their connector.
//
// Connectors never import the engine. The engine plans a table, asks its
// source for rows in a fixed order and hands them to its destination in
// batches, each batch committed together with the state that covers it.
package connectors
