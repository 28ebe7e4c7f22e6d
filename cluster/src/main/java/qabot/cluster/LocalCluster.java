package qabot.cluster;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.common.cloud.Replica;
import org.apache.solr.embedded.JettySolrRunner;
import org.apache.solr.util.SolrTestNonSecureRandomProvider;

/**
 * A local SolrCloud for qabot's tests and for trying the scale-out mode: N Solr nodes and an
 * embedded ZooKeeper in this one JVM, all on 127.0.0.1, without SSL.
 *
 * <p>It uploads qabot's configset, creates the collection, waits until every replica is active,
 * writes a JSON state file (node base URLs, ZooKeeper address, control URL, PID) and runs until
 * killed; SIGTERM shuts the nodes and ZooKeeper down cleanly. A small HTTP endpoint on 127.0.0.1
 * stops and restarts single nodes (node numbers are 1-based, as in the state file):
 *
 * <pre>
 *   GET  /state              the state file's content
 *   POST /nodes/N/stop       stop node N (its replicas go down; the others keep serving)
 *   POST /nodes/N/start      start node N again, on the same port
 *   POST /shutdown           shut everything down and exit
 * </pre>
 *
 * <p>Arguments (all optional): {@code --dir DIR} (work folder: data, state file; default
 * .cluster/solr), {@code --configset DIR} (the folder holding conf/; default cluster/configset),
 * {@code --nodes 2}, {@code --collection qabot}, {@code --shards 2}, {@code --replicas 2}, {@code
 * --config-name qabot}, {@code --control-port 0} (0: any free port), {@code --timeout 150}
 * (seconds to wait for the replicas).
 */
public final class LocalCluster {

  private final Path dir;
  private final Path configset;
  private final int nodeCount;
  private final String collection;
  private final int shards;
  private final int replicas;
  private final String configName;
  private final int controlPort;
  private final int timeoutSeconds;
  private final Path stateFile;
  private final PrintStream out = System.out;

  private MiniSolrCloudCluster cluster;
  /** The nodes in their numbering order (1-based in the state file), running or not. */
  private final List<JettySolrRunner> nodes = new ArrayList<>();

  private final List<Boolean> running = new ArrayList<>();
  /** Each node's name in the cluster state (host:port_solr), kept while it is stopped. */
  private final List<String> nodeNames = new ArrayList<>();
  private HttpServer control;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean shuttingDown;

  private LocalCluster(String[] args) {
    Path dirArg = Path.of(".cluster", "solr");
    Path configsetArg = Path.of("cluster", "configset");
    int nodesArg = 2;
    String collectionArg = "qabot";
    int shardsArg = 2;
    int replicasArg = 2;
    String configNameArg = "qabot";
    int controlPortArg = 0;
    int timeoutArg = 150;
    for (int i = 0; i < args.length; i++) {
      String key = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + key);
      }
      String value = args[++i];
      switch (key) {
        case "--dir" -> dirArg = Path.of(value);
        case "--configset" -> configsetArg = Path.of(value);
        case "--nodes" -> nodesArg = Integer.parseInt(value);
        case "--collection" -> collectionArg = value;
        case "--shards" -> shardsArg = Integer.parseInt(value);
        case "--replicas" -> replicasArg = Integer.parseInt(value);
        case "--config-name" -> configNameArg = value;
        case "--control-port" -> controlPortArg = Integer.parseInt(value);
        case "--timeout" -> timeoutArg = Integer.parseInt(value);
        default -> throw new IllegalArgumentException("unknown argument " + key);
      }
    }
    if (nodesArg < 1 || shardsArg < 1 || replicasArg < 1) {
      throw new IllegalArgumentException("--nodes, --shards and --replicas must be at least 1");
    }
    dir = dirArg.toAbsolutePath().normalize();
    configset = configsetArg.toAbsolutePath().normalize();
    nodeCount = nodesArg;
    collection = collectionArg;
    shards = shardsArg;
    replicas = replicasArg;
    configName = configNameArg;
    controlPort = controlPortArg;
    timeoutSeconds = timeoutArg;
    stateFile = dir.resolve("state.json");
  }

  public static void main(String[] args) throws Exception {
    LocalCluster local;
    try {
      local = new LocalCluster(args);
    } catch (IllegalArgumentException e) {
      System.err.println("local cluster: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      local.start();
    } catch (Throwable t) {
      System.err.println("local cluster: start failed: " + t);
      t.printStackTrace();
      local.shutdown();
      System.exit(1);
    }
    local.stopped.await();
  }

  private void start() throws Exception {
    long began = System.nanoTime();
    if (!Files.isRegularFile(configset.resolve("conf").resolve("solrconfig.xml"))) {
      throw new IllegalArgumentException("no conf/solrconfig.xml under " + configset);
    }
    Files.createDirectories(dir);
    Files.deleteIfExists(stateFile);
    Path data = dir.resolve("data");
    deleteTree(data); // every start is a fresh cluster

    // Outside a randomized test there is no test seed; avoid a SecureRandom that may block.
    SolrTestNonSecureRandomProvider.injectProvider();
    Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "local-cluster-shutdown"));

    log("starting " + nodeCount + " Solr nodes and ZooKeeper in " + data);
    cluster =
        new MiniSolrCloudCluster.Builder(nodeCount, data)
            .withJettyConfig(jetty -> jetty.setContext("/solr").stopAtShutdown(false))
            .withTraceIdGenerationDisabled()
            .addConfig(configName, configset.resolve("conf"))
            .build();
    List<JettySolrRunner> started = new ArrayList<>(cluster.getJettySolrRunners());
    started.sort(Comparator.comparingInt(JettySolrRunner::getLocalPort));
    for (JettySolrRunner jetty : started) {
      nodes.add(jetty);
      running.add(true);
      nodeNames.add(jetty.getNodeName());
    }
    log("nodes up after " + seconds(began) + " s; creating collection " + collection);

    CollectionAdminRequest.createCollection(collection, configName, shards, replicas)
        .process(cluster.getSolrClient());
    cluster.waitForActiveCollection(
        collection, timeoutSeconds, TimeUnit.SECONDS, shards, shards * replicas);
    log("collection " + collection + " active after " + seconds(began) + " s");

    control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), controlPort), 8);
    control.createContext("/", this::handle);
    control.setExecutor(Executors.newSingleThreadExecutor());
    control.start();
    writeState();
    log("ready: " + stateFile);
  }

  private synchronized void shutdown() {
    if (shuttingDown) {
      return;
    }
    shuttingDown = true;
    try {
      if (control != null) {
        control.stop(0);
      }
      try {
        Files.deleteIfExists(stateFile);
      } catch (IOException e) {
        // the state file is only a hint for scripts/local-cluster
      }
      if (cluster != null) {
        log("shutting down");
        cluster.shutdown();
        log("shut down");
      }
    } catch (Exception e) {
      System.err.println("local cluster: error during shutdown: " + e);
    } finally {
      stopped.countDown();
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    int status = 200;
    String body;
    try {
      if (path.equals("/state") && method.equals("GET")) {
        body = stateJson();
      } else if (path.equals("/shutdown") && method.equals("POST")) {
        body = "{\"shutting_down\": true}";
        Thread exit = new Thread(() -> System.exit(0), "local-cluster-exit");
        exit.setDaemon(false);
        exit.start();
      } else if (path.matches("/nodes/\\d+/(stop|start)") && method.equals("POST")) {
        String[] parts = path.split("/");
        int n = Integer.parseInt(parts[2]);
        if (n < 1 || n > nodes.size()) {
          status = 404;
          body = "{\"error\": \"no node " + n + "; nodes are 1 to " + nodes.size() + "\"}";
        } else if (parts[3].equals("stop")) {
          stopNode(n);
          body = stateJson();
        } else {
          startNode(n);
          body = stateJson();
        }
      } else {
        status = 404;
        body = "{\"error\": \"GET /state, POST /nodes/N/stop, POST /nodes/N/start, POST /shutdown\"}";
      }
    } catch (Exception e) {
      status = 500;
      body = "{\"error\": " + quote(e.toString()) + "}";
    }
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = exchange.getResponseBody()) {
      os.write(bytes);
    }
  }

  private synchronized void stopNode(int n) throws Exception {
    if (!running.get(n - 1)) {
      return;
    }
    JettySolrRunner jetty = nodes.get(n - 1);
    log("stopping node " + n + " (" + jetty.getBaseUrl() + ")");
    cluster.stopJettySolrRunner(jetty);
    cluster.waitForJettyToStop(jetty);
    running.set(n - 1, false);
    writeState();
    log("node " + n + " stopped");
  }

  private synchronized void startNode(int n) throws Exception {
    if (running.get(n - 1)) {
      return;
    }
    JettySolrRunner jetty = nodes.get(n - 1);
    log("starting node " + n + " again on port " + jetty.getLocalPort());
    cluster.startJettySolrRunner(jetty, true);
    cluster.waitForNode(jetty, timeoutSeconds);
    // back when its replicas have recovered, not merely when it answers
    String name = nodeNames.get(n - 1);
    cluster
        .getZkStateReader()
        .waitForState(
            collection,
            timeoutSeconds,
            TimeUnit.SECONDS,
            (live, state) ->
                state != null
                    && live.contains(name)
                    && state.getReplicas().stream()
                        .filter(r -> name.equals(r.getNodeName()))
                        .allMatch(r -> r.getState() == Replica.State.ACTIVE));
    running.set(n - 1, true);
    writeState();
    log("node " + n + " started");
  }

  private synchronized String stateJson() {
    StringBuilder json = new StringBuilder();
    json.append("{\n");
    json.append("  \"pid\": ").append(ProcessHandle.current().pid()).append(",\n");
    json.append("  \"collection\": ").append(quote(collection)).append(",\n");
    json.append("  \"config_name\": ").append(quote(configName)).append(",\n");
    json.append("  \"shards\": ").append(shards).append(",\n");
    json.append("  \"replication_factor\": ").append(replicas).append(",\n");
    json.append("  \"zk_host\": ").append(quote(cluster.getZkServer().getZkHost())).append(",\n");
    json.append("  \"zk_address\": ")
        .append(quote(cluster.getZkServer().getZkAddress()))
        .append(",\n");
    json.append("  \"control_url\": ")
        .append(quote("http://127.0.0.1:" + control.getAddress().getPort()))
        .append(",\n");
    json.append("  \"nodes\": [\n");
    for (int i = 0; i < nodes.size(); i++) {
      JettySolrRunner jetty = nodes.get(i);
      json.append("    {\"n\": ").append(i + 1);
      json.append(", \"base_url\": ").append(quote(jetty.getBaseUrl().toString()));
      json.append(", \"port\": ").append(jetty.getLocalPort());
      json.append(", \"node_name\": ").append(quote(nodeNames.get(i)));
      json.append(", \"running\": ").append(running.get(i)).append("}");
      json.append(i + 1 < nodes.size() ? ",\n" : "\n");
    }
    json.append("  ]\n");
    json.append("}");
    return json.toString();
  }

  private void writeState() throws IOException {
    Path tmp = stateFile.resolveSibling("state.json.tmp");
    Files.writeString(tmp, stateJson() + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private void log(String message) {
    out.println(
        java.time.Instant.now() + " local cluster [" + ManagementFactory.getRuntimeMXBean().getPid()
            + "]: " + message);
    out.flush();
  }

  private static String seconds(long began) {
    return String.format("%.1f", (System.nanoTime() - began) / 1e9);
  }

  static String quote(String s) {
    StringBuilder q = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> q.append("\\\"");
        case '\\' -> q.append("\\\\");
        case '\n' -> q.append("\\n");
        case '\r' -> q.append("\\r");
        case '\t' -> q.append("\\t");
        default -> {
          if (c < 0x20) {
            q.append(String.format("\\u%04x", (int) c));
          } else {
            q.append(c);
          }
        }
      }
    }
    return q.append('"').toString();
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
