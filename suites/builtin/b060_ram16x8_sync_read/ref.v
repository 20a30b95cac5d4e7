module TopModule (
  input            clk,
  input            reset,
  input            we,
  input      [3:0] addr,
  input      [7:0] wdata,
  output reg [7:0] rdata
);
  reg [7:0] mem [0:15];
  integer i;
  always @(posedge clk) begin
    if (reset) begin
      for (i = 0; i < 16; i = i + 1) mem[i] <= 8'd0;
      rdata <= 8'd0;
    end else begin
      rdata <= mem[addr];
      if (we) mem[addr] <= wdata;
    end
  end
endmodule
