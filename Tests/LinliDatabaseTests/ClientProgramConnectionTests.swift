import Foundation
import LinliDatabase
import Testing

@Suite("Connection settings for pg_dump and pg_restore")
struct ClientProgramConnectionTests {
    @Test("the password moves to PGPASSWORD; the rest, with extra server options, stays in --dbname")
    func passwordNeverOnTheCommandLine() throws {
        let configuration = ConnectionConfiguration(
            connectionString: "postgresql://linli:s3cr%27et@db1:5433,db2:5433/linli?sslmode=require&options=-c%20work_mem%3D64MB",
            applicationName: "linli-backup")
        let client = try configuration.clientProgramConnection(options: "-c linli.all_communities=on")
        #expect(!client.dbname.contains("s3cr"))
        #expect(client.environment == ["PGPASSWORD": "s3cr'et"])
        #expect(client.dbname.contains("host='db1,db2'") && client.dbname.contains("port='5433,5433'"))
        #expect(client.dbname.contains("sslmode='require'") && client.dbname.contains("dbname='linli'"))
        #expect(client.dbname.contains("options='-c work_mem=64MB -c linli.all_communities=on'"))
        #expect(client.dbname.contains("fallback_application_name='linli-backup'"))
        // libpq reads it back as the same settings.
        let again = ConnectionConfiguration(connectionString: client.dbname)
        #expect(again.redactedDescription == configuration.redactedDescription)
    }

    @Test("without a connection string only the options are set; PG* variables do the rest")
    func environmentOnly() throws {
        let client = try ConnectionConfiguration(applicationName: "x").clientProgramConnection()
        #expect(client.dbname == "fallback_application_name='x'")
        #expect(client.environment.isEmpty)
        let quoted = try ConnectionConfiguration(connectionString: "dbname='a b\\\\c'").clientProgramConnection()
        #expect(quoted.dbname.contains("dbname='a b\\\\c'"))
    }
}
